"""Small real-looking files: the first bytes of each format, padded."""

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(200))
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200)
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n3 0 obj << /BaseFont /AAAAAB+Arial >> endobj\n%%EOF"
PDF_WITH_SCRIPT = b"%PDF-1.4\n1 0 obj << /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >> endobj\n%%EOF"
OGG = b"OggS\x00\x02" + bytes(100)
MP4 = b"\x00\x00\x00\x18ftypmp42" + bytes(100)
EXE = b"MZ\x90\x00" + bytes(100)
