from sportello.fallback import did_you_mean, is_repeated_failure, suggestions


def user(intent):
    return {"event": "user", "parse_data": {"intent": {"name": intent}}}


def test_repeated_failure_needs_two_fallbacks_in_a_row():
    assert is_repeated_failure([user("nlu_fallback"), {"event": "bot"}, user("nlu_fallback")])
    assert not is_repeated_failure([user("nlu_fallback"), user("greet"), user("nlu_fallback")])
    assert not is_repeated_failure([user("nlu_fallback")])


def test_suggestions_are_the_likeliest_menu_intents(domain):
    ranking = [
        {"name": "nlu_fallback", "confidence": 0.45},
        {"name": "ask_cost", "confidence": 0.3},
        {"name": "greet", "confidence": 0.2},
        {"name": "ask_documents", "confidence": 0.1},
        {"name": "ask_status", "confidence": 0.05},
        {"name": "book_appointment", "confidence": 0.01},
    ]
    buttons = suggestions(ranking, domain, "en")
    assert buttons == [
        {"title": "Costs", "payload": "/ask_cost"},
        {"title": "Documents needed", "payload": "/ask_documents"},
        {"title": "Application status", "payload": "/ask_status"},
    ]


def test_did_you_mean_ends_with_none_of_these(domain):
    ranking = [{"name": "nlu_fallback"}, {"name": "ask_office_info"}]
    message = did_you_mean(ranking, domain, "fr")
    assert [b["payload"] for b in message["buttons"]] == ["/ask_office_info", "/nlu_fallback"]
    assert did_you_mean([{"name": "greet"}], domain, "fr") is None


def test_messages_written_to_staff_do_not_count_as_failures():
    fallback = {"event": "user", "parse_data": {"intent": {"name": "nlu_fallback"}}}
    assert is_repeated_failure([fallback, fallback])
    assert not is_repeated_failure([fallback, {"event": "resume"}, fallback])
