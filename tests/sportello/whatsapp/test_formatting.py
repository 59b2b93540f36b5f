import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sportello.whatsapp.formatting import FormattedTurn, format_turn, shorten, template_body, text_body

USER = "393331234567"
ENVELOPE = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": USER}

ITALIAN = "Per rinnovare il permesso di soggiorno serve la ricevuta del kit postale. "
ARABIC = "مرحبا، كيف يمكنني تجديد تصريح الإقامة؟ "
CHINESE = "我想预约续签居留许可。"


def size(text):
    """Length as the module measures it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def texts(turn):
    assert all(body["type"] == "text" for body in turn.bodies)
    return [body["text"]["body"] for body in turn.bodies]


def squeeze(text):
    return "".join(text.split())


def buttons(*titles, prefix="/choose_"):
    return [{"title": title, "payload": f"{prefix}{number}"} for number, title in enumerate(titles)]


def rows(turn):
    return interactive(turn)["action"]["sections"][0]["rows"]


def interactive(turn):
    [body] = turn.bodies
    assert body["type"] == "interactive"
    return body["interactive"]


# Merging


def test_consecutive_texts_become_one_message_joined_by_a_blank_line():
    turn = format_turn(
        USER,
        [
            {"recipient_id": "someone else", "text": "Buongiorno!"},
            {"recipient_id": "someone else", "text": "  Sono l'assistente dello Sportello.  "},
            {"recipient_id": "someone else", "text": "   "},
            {"recipient_id": "someone else", "text": "Come posso aiutarla?"},
        ],
    )
    assert turn == FormattedTurn(
        bodies=(
            {
                **ENVELOPE,
                "type": "text",
                "text": {
                    "body": "Buongiorno!\n\nSono l'assistente dello Sportello.\n\nCome posso aiutarla?",
                    "preview_url": False,
                },
            },
        ),
        options={},
    )


def test_an_empty_turn_sends_nothing():
    assert format_turn(USER, []) == FormattedTurn(bodies=(), options={})
    assert format_turn(USER, [{"recipient_id": USER, "text": ""}]).bodies == ()


def test_a_formatted_turn_is_frozen():
    turn = format_turn(USER, [{"text": "Ciao"}])
    with pytest.raises(dataclasses.FrozenInstanceError):
        turn.bodies = ()  # type: ignore[misc]


def test_media_and_custom_payloads_keep_their_place_between_merged_texts():
    turn = format_turn(
        USER,
        [
            {"text": "Ecco la mappa."},
            {"text": "La sede è in via Roma 1."},
            {"image": "https://example.org/mappa.png"},
            {"attachment": "https://example.org/modulo.pdf"},
            {"attachment": {"link": "https://example.org/guida.pdf", "filename": "guida.pdf"}},
            {"text": "Serve altro?"},
            {"custom": {"type": "location", "location": {"latitude": 45.07, "longitude": 7.68}, "to": "intruder"}},
        ],
    )
    assert turn.bodies == (
        {
            **ENVELOPE,
            "type": "text",
            "text": {"body": "Ecco la mappa.\n\nLa sede è in via Roma 1.", "preview_url": False},
        },
        {**ENVELOPE, "type": "image", "image": {"link": "https://example.org/mappa.png"}},
        {**ENVELOPE, "type": "document", "document": {"link": "https://example.org/modulo.pdf"}},
        {
            **ENVELOPE,
            "type": "document",
            "document": {"link": "https://example.org/guida.pdf", "filename": "guida.pdf"},
        },
        {**ENVELOPE, "type": "text", "text": {"body": "Serve altro?", "preview_url": False}},
        {**ENVELOPE, "type": "location", "location": {"latitude": 45.07, "longitude": 7.68}},
    )


def test_parts_of_one_message_follow_rasas_order():
    turn = format_turn(
        USER,
        [
            {
                "text": "Guardi qui",
                "image": "https://example.org/a.png",
                "custom": {"type": "text", "text": {"body": "x"}},
            }
        ],
    )
    assert [body["type"] for body in turn.bodies] == ["text", "text", "image"]
    assert turn.bodies[1]["text"] == {"body": "x"}


# Splitting


def test_long_text_is_cut_between_paragraphs_in_as_few_messages_as_possible():
    paragraphs = [f"Paragrafo {number}. " + ITALIAN * 17 for number in range(8)]  # three fit in one message
    turn = format_turn(USER, [{"text": paragraph} for paragraph in paragraphs])
    chunks = texts(turn)
    assert len(chunks) == 3
    assert all(size(chunk) <= 4096 for chunk in chunks)
    assert "\n\n".join(chunks) == "\n\n".join(paragraph.strip() for paragraph in paragraphs)


def test_a_paragraph_over_the_limit_is_cut_between_sentences():
    text = ITALIAN * 120
    chunks = texts(format_turn(USER, [{"text": text}]))
    assert len(chunks) == 3
    assert all(size(chunk) <= 4096 and chunk.endswith("postale.") for chunk in chunks)
    assert " ".join(chunks) == text.strip()


def test_a_sentence_over_the_limit_is_cut_between_words():
    text = "parola " * 1500
    chunks = texts(format_turn(USER, [{"text": text}]))
    assert len(chunks) == 3
    assert all(size(chunk) <= 4096 for chunk in chunks)
    assert all(word == "parola" for chunk in chunks for word in chunk.split(" "))


def test_arabic_text_is_cut_between_sentences_and_words():
    sentences = ARABIC * 150
    chunks = texts(format_turn(USER, [{"text": sentences}]))
    assert len(chunks) == 2
    assert all(size(chunk) <= 4096 and chunk.endswith("؟") for chunk in chunks)
    assert " ".join(chunks) == sentences.strip()

    words = ARABIC.replace("؟", "") * 150
    chunks = texts(format_turn(USER, [{"text": words}]))
    assert len(chunks) == 2
    assert " ".join(chunks) == " ".join(words.split())


def test_chinese_text_is_cut_after_sentences_without_spaces():
    text = CHINESE * 800
    chunks = texts(format_turn(USER, [{"text": text}]))
    assert len(chunks) == 3
    assert all(size(chunk) <= 4096 and chunk.endswith("。") for chunk in chunks)
    assert "".join(chunks) == text


def test_text_without_any_boundary_is_cut_hard_at_the_limit():
    text = "居留许可" * 2500
    chunks = texts(format_turn(USER, [{"text": text}]))
    assert [len(chunk) for chunk in chunks] == [4096, 4096, 1808]
    assert "".join(chunks) == text


def test_emoji_count_as_two_characters():
    text = "📄" * 3000
    chunks = texts(format_turn(USER, [{"text": text}]))
    assert [len(chunk) for chunk in chunks] == [2048, 952]


WORDS = ["permesso", "soggiorno", "居留", "تصريح", "📄", "x" * 700, "Sì.", "好。", "هل؟"]
SEPARATORS = [" ", " ", " ", "\n", "\n\n", ". ", ""]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(SEPARATORS)), max_size=1500))
def test_split_text_keeps_every_character_and_stays_within_the_limit(parts):
    text = "".join(word + separator for word, separator in parts)
    chunks = texts(format_turn(USER, [{"text": text}]))
    assert squeeze("".join(chunks)) == squeeze(text)
    assert all(chunk and chunk == chunk.strip() and size(chunk) <= 4096 for chunk in chunks)
    if size(text.strip()) <= 4096:
        assert len(chunks) == (1 if text.strip() else 0)


# Buttons


def test_up_to_three_short_buttons_are_reply_buttons_with_the_waiting_text_as_body():
    turn = format_turn(
        USER,
        [
            {"text": "Il permesso scade tra 30 giorni."},
            {"text": "Vuole prenotare un appuntamento?", "buttons": buttons("Sì, prenota", "No, grazie")},
        ],
    )
    assert turn.options == {}
    assert interactive(turn) == {
        "type": "button",
        "body": {"text": "Il permesso scade tra 30 giorni.\n\nVuole prenotare un appuntamento?"},
        "action": {
            "buttons": [
                {"type": "reply", "reply": {"id": "/choose_0", "title": "Sì, prenota"}},
                {"type": "reply", "reply": {"id": "/choose_1", "title": "No, grazie"}},
            ]
        },
    }


def test_reply_buttons_take_arabic_and_chinese_titles():
    action = interactive(format_turn(USER, [{"text": ARABIC, "buttons": buttons("نعم", "不用了，谢谢")}]))["action"]
    assert [button["reply"]["title"] for button in action["buttons"]] == ["نعم", "不用了，谢谢"]


def test_a_body_over_1024_characters_goes_first_as_text_and_the_buttons_follow_with_its_last_paragraph():
    information = ITALIAN * 15
    question = "Vuole prenotare un appuntamento?"
    turn = format_turn(
        USER, [{"text": "Ecco cosa serve."}, {"text": f"{information}\n\n{question}", "buttons": buttons("Sì", "No")}]
    )
    first, second = turn.bodies
    assert first["text"]["body"] == f"Ecco cosa serve.\n\n{information.strip()}"
    assert second["interactive"]["body"] == {"text": question}
    assert second["interactive"]["type"] == "button"


def test_a_single_paragraph_body_over_1024_characters_keeps_its_last_sentence():
    question = "Vuole prenotare?"
    turn = format_turn(USER, [{"text": ITALIAN * 15 + question, "buttons": buttons("Sì", "No")}])
    assert turn.bodies[0]["text"]["body"] == (ITALIAN * 15).strip()
    assert turn.bodies[1]["interactive"]["body"] == {"text": question}


def test_a_body_without_boundaries_keeps_as_much_of_its_end_as_fits():
    text = "居留许可" * 400
    turn = format_turn(USER, [{"text": text, "buttons": buttons("是", "否")}])
    head = turn.bodies[0]["text"]["body"]
    body = turn.bodies[1]["interactive"]["body"]["text"]
    assert len(body) == 1024
    assert head + body == text


def test_four_to_ten_buttons_are_a_list_under_the_given_label():
    titles = ["Costi", "Documenti", "Orari", "Stato pratica", "Appuntamento"]
    result = interactive(
        format_turn(
            USER, [{"text": "Di cosa ha bisogno?", "buttons": buttons(*titles)}], list_label="Scegli un argomento"
        )
    )
    assert result == {
        "type": "list",
        "body": {"text": "Di cosa ha bisogno?"},
        "action": {
            "button": "Scegli un argomento",
            "sections": [{"rows": [{"id": f"/choose_{n}", "title": title} for n, title in enumerate(titles)]}],
        },
    }
    default = interactive(format_turn(USER, [{"text": "?", "buttons": buttons(*titles)}]))
    assert default["action"]["button"] == "Menu"
    long_label = interactive(
        format_turn(USER, [{"text": "?", "buttons": buttons(*titles)}], list_label="Scegli uno degli argomenti")
    )
    assert long_label["action"]["button"] == "Scegli uno degli…"


def test_a_title_too_long_for_a_reply_button_makes_a_list_with_the_full_title_as_description():
    title = "Rinnovo del permesso di soggiorno"
    assert rows(format_turn(USER, [{"text": "Cosa le serve?", "buttons": buttons(title, "Altro")}])) == [
        {"id": "/choose_0", "title": "Rinnovo del permesso di…", "description": title},
        {"id": "/choose_1", "title": "Altro"},
    ]


def test_row_descriptions_are_shortened_to_72_characters():
    title = "Richiesta di ricongiungimento familiare per coniuge figli minori e genitori a carico"
    row = rows(format_turn(USER, [{"text": "?", "buttons": buttons(title, "Altro")}]))[0]
    assert size(row["title"]) <= 24 and size(row["description"]) <= 72
    assert row["description"] == "Richiesta di ricongiungimento familiare per coniuge figli minori e…"


def test_reply_button_titles_are_measured_in_utf16_units():
    fits = "📄" + "d" * 18  # 19 code points, 20 units
    too_long = "📄📄" + "d" * 17  # 19 code points, 21 units
    assert interactive(format_turn(USER, [{"text": "?", "buttons": buttons(fits)}]))["type"] == "button"
    assert interactive(format_turn(USER, [{"text": "?", "buttons": buttons(too_long)}]))["type"] == "list"


def test_duplicate_titles_make_a_list_and_duplicate_payloads_numbered_options():
    same_titles = [{"title": "Sì", "payload": "/affirm"}, {"title": "Sì", "payload": "/affirm_all"}]
    assert interactive(format_turn(USER, [{"text": "?", "buttons": same_titles}]))["type"] == "list"
    same_payloads = [{"title": "Sì", "payload": "/affirm"}, {"title": "Certo", "payload": "/affirm"}]
    turn = format_turn(USER, [{"text": "?", "buttons": same_payloads}])
    assert texts(turn) == ["?\n\n1. Sì\n2. Certo"]
    assert turn.options == {"1": "/affirm", "2": "/affirm"}


def test_more_than_ten_buttons_are_numbered_options_merged_with_the_texts_around():
    titles = [f"Ufficio {number}" for number in range(1, 12)]
    turn = format_turn(
        USER,
        [
            {"text": "Ecco gli uffici."},
            {"text": "Quale?", "buttons": buttons(*titles)},
            {"text": "Risponda col numero."},
        ],
    )
    lines = "\n".join(f"{number}. Ufficio {number}" for number in range(1, 12))
    assert texts(turn) == [f"Ecco gli uffici.\n\nQuale?\n\n{lines}\n\nRisponda col numero."]
    assert turn.options == {str(number): f"/choose_{number - 1}" for number in range(1, 12)}


def test_numbered_options_go_on_counting_across_one_turn():
    many = buttons(*[f"Voce {number}" for number in range(11)])
    turn = format_turn(USER, [{"text": "Prima", "buttons": many}, {"text": "Seconda", "buttons": many}])
    assert len(turn.options) == 22
    assert turn.options["12"] == "/choose_0"
    assert "\n12. Voce 0\n" in texts(turn)[0]


def test_ids_too_long_for_buttons_or_rows_become_numbered_options():
    id_201 = "/" + "a" * 200
    id_257 = "/" + "a" * 256
    reply = interactive(format_turn(USER, [{"text": "?", "buttons": [{"title": "Sì", "payload": id_201}]}]))
    assert reply["action"]["buttons"][0]["reply"]["id"] == id_201

    for choices in (
        [{"title": "Sì", "payload": id_257}],
        [{"title": "Un titolo troppo lungo per un bottone", "payload": id_201}],
        [*buttons("A", "B", "C"), {"title": "D", "payload": id_201}],
    ):
        turn = format_turn(USER, [{"text": "Scelga", "buttons": choices}])
        assert texts(turn)[0].startswith("Scelga\n\n1. ")
        assert turn.options[str(len(choices))] == choices[-1]["payload"]


def test_buttons_without_any_text_are_numbered_options():
    turn = format_turn(USER, [{"buttons": buttons("Sì", "No")}])
    assert texts(turn) == ["1. Sì\n2. No"]
    assert turn.options == {"1": "/choose_0", "2": "/choose_1"}


def test_a_missing_title_or_payload_stands_in_for_the_other():
    turn = format_turn(USER, [{"text": "?", "buttons": [{"title": "Orari"}, {"payload": "/ask_cost"}]}])
    assert interactive(turn)["action"]["buttons"] == [
        {"type": "reply", "reply": {"id": "Orari", "title": "Orari"}},
        {"type": "reply", "reply": {"id": "/ask_cost", "title": "/ask_cost"}},
    ]
    blank = format_turn(USER, [{"text": "?", "buttons": [{"title": " ", "payload": " "}, *buttons("Sì")]}])
    assert blank.options == {"1": " ", "2": "/choose_0"}


# shorten


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("Costi", 20, "Costi"),
        ("  Stato   della\npratica ", 20, "Stato della pratica"),
        ("Documenti necessari per il rinnovo", 20, "Documenti necessari…"),
        ("Documenti necessari per il rinnovo", 19, "Documenti…"),
        ("Ricongiungimento familiare", 10, "Ricongiun…"),
        ("续签居留许可的预约时间和地点", 10, "续签居留许可的预约…"),
        ("تجديد تصريح الإقامة في إيطاليا", 20, "تجديد تصريح الإقامة…"),
        ("📄📄📄📄", 5, "📄📄…"),
        ("📄📄", 2, "…"),
        ("", 20, ""),
    ],
)
def test_shorten_keeps_whole_words_and_marks_the_cut(text, limit, expected):
    assert shorten(text, limit) == expected


@given(st.text(alphabet=st.sampled_from("ab 居📄\n"), max_size=60), st.integers(min_value=2, max_value=30))
def test_shorten_stays_within_the_limit_and_never_cuts_a_later_word(text, limit):
    result = shorten(text, limit)
    assert size(result) <= limit
    words = text.split()
    if result != " ".join(words):
        assert result.endswith("…")
        kept = result[:-1].split()
        if kept and kept == words[: len(kept)]:
            assert len(kept) < len(words)
        else:  # only a first word longer than the limit is cut inside
            assert len(kept) <= 1 and size(words[0]) >= limit and words[0].startswith("".join(kept))


def test_buttons_with_sections_become_a_list_grouped_by_section():
    buttons = [
        {"title": "09:00", "payload": "/inform{\"appointment_slot\":\"a\"}", "section": "giovedì 3 dicembre"},
        {"title": "09:15", "payload": "/inform{\"appointment_slot\":\"b\"}", "section": "giovedì 3 dicembre"},
        {"title": "09:00", "payload": "/inform{\"appointment_slot\":\"c\"}", "section": "mercoledì 16 dicembre 2026"},
    ]
    [body] = format_turn("39333", [{"text": "Scegli un orario", "buttons": buttons}], list_label="Orari").bodies
    action = body["interactive"]["action"]
    assert body["interactive"]["type"] == "list"  # three buttons, but sections need a list
    assert [s["title"] for s in action["sections"]] == ["giovedì 3 dicembre", "mercoledì 16 dicembre…"]
    assert [[r["title"] for r in s["rows"]] for s in action["sections"]] == [["09:00", "09:15"], ["09:00"]]


def test_template_and_text_bodies_carry_the_envelope():
    template = template_body("39333", "promemoria_appuntamento", "it", ["giovedì 3 dicembre", "09:00", "K7P4QX"])
    assert template["to"] == "39333" and template["type"] == "template"
    assert template["template"]["components"][0]["parameters"][2] == {"type": "text", "text": "K7P4QX"}
    assert len(text_body("39333", "x" * 5000)["text"]["body"]) == 4096
