"""The staff inbox: conversations handed over to a person, answered from a web application."""
