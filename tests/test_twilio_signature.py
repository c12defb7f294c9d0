"""The webhook's signature check: Twilio signs the URL with or without its port."""

from __future__ import annotations

from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

from bot.web.twilio_signature import TwilioSignature

TOKEN = "12345678901234567890123456789012"
FORM = {"MessageSid": "SM1", "From": "whatsapp:+5491100000001", "Body": "¡Hola! 😀 a&b=c"}


def signature(url: str, form: dict[str, str] = FORM) -> str:
    return RequestValidator(TOKEN).compute_signature(url, form)


def test_the_url_signed_without_or_with_its_port_is_accepted() -> None:
    check = TwilioSignature(TOKEN, "https://minga.example.org/")
    body = urlencode(FORM).encode()
    for url in ("https://minga.example.org/whatsapp/webhook",
                "https://minga.example.org:443/whatsapp/webhook"):  # fmt: skip
        assert check.form("/whatsapp/webhook", "", body, signature(url)) == FORM


def test_a_query_string_is_part_of_what_is_signed() -> None:
    check = TwilioSignature(TOKEN, "https://minga.example.org")
    body = urlencode(FORM).encode()
    signed = signature("https://minga.example.org/whatsapp/status?x=1")
    assert check.form("/whatsapp/status", "x=1", body, signed) == FORM
    assert check.form("/whatsapp/status", "", body, signed) is None


def test_a_changed_form_a_wrong_key_or_bytes_that_are_not_text_are_refused() -> None:
    check = TwilioSignature(TOKEN, "https://minga.example.org")
    url = "https://minga.example.org/whatsapp/webhook"
    body = urlencode(FORM).encode()
    assert check.form("/whatsapp/webhook", "", body + b"&Body=x", signature(url)) is None
    wrong = RequestValidator("x" * 32).compute_signature(url, FORM)
    assert check.form("/whatsapp/webhook", "", body, wrong) is None
    assert check.form("/whatsapp/webhook", "", b"\xff\xfe", signature(url, {})) is None
