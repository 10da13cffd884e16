"""Languages of the public journey (docs/i18n.md): a Spanish browser gets the petition, signing,
confirming and thanks pages in Spanish, the Spanish emails and a Spanish wet-ink form; the
switcher's cookie wins over the browser; the measure's words come from the petition's filed
translation, else English with a note; the Chinese form is drawn with a CJK font."""

from __future__ import annotations

import io
import re

import pypdf
import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from petitions.documents import layout
from petitions.documents.wet_ink_form import wet_ink_form_pdf
from petitions.models import PetitionText, Signature
from petitions.selectors import petition_legal_text
from petitions.services import wet_ink
from petitions.views import public
from tests.factories import SIGN_FORM, VoterFactory, validated

pytestmark = pytest.mark.django_db

SPANISH = {"HTTP_ACCEPT_LANGUAGE": "es-MX,es;q=0.9,en;q=0.5"}
SPANISH_TITLE = "Iniciativa de independencia de California"


@pytest.fixture
def petition(calexit):
    calexit.measure_text = "SECTION 1. Title. This measure shall be known as the California Independence Act."
    calexit.return_address = "Calexit Petition\nPO Box 1\nSacramento, CA 95814"
    calexit.save()
    return calexit


@pytest.fixture
def spanish_text(petition):
    return PetitionText.objects.create(
        petition=petition,
        language="es",
        title=SPANISH_TITLE,
        question="¿Debe California separarse de los Estados Unidos?",
        summary="Resumen presentado en español.",
        measure_text="SECCIÓN 1. Título. Esta medida se conocerá como la Ley de Independencia de California.",
    )


def pdf_text(data: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def confirmation_path(body: str) -> str:
    match = re.search(r"http://[^/\s]+(/p/calexit/confirm/\S+)", body)
    assert match, body
    return match.group(1)


def test_a_spanish_browser_gets_the_whole_journey_in_spanish(client, petition, spanish_text):
    VoterFactory()
    page = client.get("/p/calexit/", **SPANISH).content.decode()
    assert '<html lang="es">' in page
    assert "Firme la petición" in page and SPANISH_TITLE in page and "legal-in-english" not in page

    sign = client.get("/p/calexit/sign/", **SPANISH).content.decode()
    assert '<html lang="es">' in sign and "Peticiones de California" in sign

    response = client.post("/p/calexit/sign/", SIGN_FORM, **SPANISH)
    assert response.status_code == 302
    assert Signature.objects.get().language == "es"
    check = client.get(response["Location"], **SPANISH).content.decode()
    assert "Revise su correo electrónico" in check and SPANISH_TITLE in check

    [email] = mail.outbox
    assert email.subject == f"Confirme su firma: {SPANISH_TITLE}"
    assert "Hola, Maria:" in email.body and "Confirme su firma abriendo este enlace" in email.body
    path = confirmation_path(email.body)
    assert path.endswith("?lang=es")

    # The link keeps the language even on a device whose browser asks for English.
    confirm = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert "Pulse el botón para confirmar su firma" in confirm.content.decode()
    assert confirm.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    thanks_url = client.post(path)["Location"]
    thanks = client.get(thanks_url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="es">' in thanks and "Gracias: su firma está confirmada" in thanks
    assert "Descargue su formulario de petición (PDF)" in thanks

    form_path = re.search(r'id="form-download" href="([^"]+)"', thanks).group(1)
    pdf = client.get(form_path.replace("&amp;", "&"))
    assert pdf["Content-Type"] == "application/pdf"
    words = pdf_text(pdf.content)
    assert "AVISO AL PÚBLICO" in words and "DECLARACIÓN DEL CIRCULADOR" in words
    assert SPANISH_TITLE.upper() in words and "Ley de Independencia de California" in words

    # Validation ran after confirming: the "Your petition form" email, in Spanish, links to the Spanish form.
    [form_email] = [m for m in mail.outbox if m is not email]
    assert form_email.subject == f"Su formulario de petición: {SPANISH_TITLE}"
    assert "Lo encontramos en el registro de votantes de California" in form_email.body
    link = re.search(r"http://[^/\s]+(/p/calexit/form/\S+)", form_email.body).group(1)
    assert link.endswith("?lang=es")
    assert "CÓMO HACER QUE SU FIRMA CUENTE" in pdf_text(client.get(link).content)


def test_english_stays_the_default_and_its_links_carry_no_language(client, petition):
    client.post("/p/calexit/sign/", SIGN_FORM)
    [email] = mail.outbox
    assert email.subject.startswith("Confirm your signature: ") and "?lang=" not in email.body
    page = client.get("/p/calexit/").content.decode()
    assert '<html lang="en">' in page and "Sign the petition" in page


def test_the_switchers_cookie_wins_over_the_browser(client, petition):
    response = client.get("/language/", {"lang": "zh-hant", "next": "/p/calexit/"}, **SPANISH)
    assert response.status_code == 302 and response["Location"] == "/p/calexit/"
    response = client.get("/p/calexit/", **SPANISH)
    page = response.content.decode()
    assert '<html lang="zh-hant">' in page and "簽署請願" in page
    assert {"Cookie", "Accept-Language"} <= {part.strip() for part in response["Vary"].split(",")}
    client.get("/language/", {"lang": "en", "next": "/p/calexit/"})
    assert "Sign the petition" in client.get("/p/calexit/", **SPANISH).content.decode()


def test_an_unknown_language_in_the_switcher_changes_nothing(client, petition):
    response = client.get("/language/", {"lang": "xx", "next": "https://evil.example/"})
    assert response["Location"] == "/" and settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_without_a_filed_translation_the_measure_is_shown_in_english_with_a_note(client, petition):
    page = client.get("/p/calexit/", **SPANISH).content.decode()
    assert "No se ha presentado el texto oficial de esta medida en español; se muestra en inglés." in page
    assert f'<h1 class="h2" lang="en">{petition.title}</h1>' in page
    legal = petition_legal_text(petition, "es")
    assert set(legal.in_english) == {"title", "question", "summary", "measure_text"}


def test_a_filed_translation_replaces_the_english_words_and_a_missing_field_is_noted(client, petition, spanish_text):
    spanish_text.summary = ""
    spanish_text.save()
    page = client.get("/p/calexit/", **SPANISH).content.decode()
    assert f'<h1 class="h2">{SPANISH_TITLE}</h1>' in page
    assert "se muestra en inglés" in page and f'<p lang="en">{petition.summary}</p>' in page


def test_the_spanish_wet_ink_form(petition, spanish_text):
    signature = validated(confirm_nonce="0" * 32, language="es")
    words = pdf_text(wet_ink_form_pdf(signature))
    for spanish in [
        "INICIATIVA",
        "CONDADO DE SACRAMENTO",
        "Solo pueden firmar esta sección de la petición los votantes registrados residentes en el Condado de "
        "Sacramento",
        "AVISO AL PÚBLICO: ESTA PETICIÓN PUEDE SER CIRCULADA POR UN RECOLECTOR DE FIRMAS PAGADO",
        "Al Honorable Secretario de Estado de California:",
        "Certifico bajo pena de perjurio",
        "TÍTULO COMPLETO Y TEXTO DE LA MEDIDA PROPUESTA",
        "Página 1 de",
    ]:
        assert spanish in words, spanish
    assert "se muestra en inglés" not in words
    assert "NOTICE TO THE PUBLIC" not in words


def test_the_wet_ink_form_in_english_when_no_translation_was_filed_says_so(petition):
    signature = validated(confirm_nonce="0" * 32, language="es")
    words = pdf_text(wet_ink_form_pdf(signature))
    assert "No se ha presentado el texto oficial de esta medida en español; se muestra en inglés." in words
    assert petition.title.upper() in words and "This measure shall be known" in words


def test_the_chinese_wet_ink_form_has_chinese_text(petition):
    signature = validated(confirm_nonce="0" * 32, language="zh-hant")
    data = wet_ink_form_pdf(signature)
    words = pdf_text(data)
    for chinese in ["公眾須知", "傳遞人聲明", "加州州務卿閣下", "本提案尚未提交官方繁體中文文本"]:
        assert chinese in words, chinese
    assert layout.FONT_CJK.encode() in data or b"UMing" in data  # the CJK font is embedded


def test_the_form_link_can_ask_for_another_language(client, petition):
    signature = validated(confirm_nonce="0" * 32, language="es")
    path = wet_ink.form_path(signature)
    assert "AVISO AL PÚBLICO" in pdf_text(client.get(path).content)
    assert "NOTICE TO THE PUBLIC" in pdf_text(client.get(path, {"lang": "en"}).content)
    assert "AVISO AL PÚBLICO" in pdf_text(client.get(path, {"lang": "xx"}).content)  # unknown: the signer's


def test_a_missing_cjk_font_is_a_clear_error(petition, monkeypatch):
    monkeypatch.setattr(layout.pdfmetrics, "getRegisteredFontNames", lambda: [])
    with (
        override_settings(PDF_CJK_FONT="/nonexistent/font.ttc"),
        pytest.raises(ImproperlyConfigured, match="fonts-arphic-uming"),
    ):
        layout.cjk_font_register()


def test_the_cached_blank_sign_form_is_per_language(client, petition):
    public._blank_sign_form_html.cache_clear()
    english = client.get("/p/calexit/sign/").content.decode()
    spanish = client.get("/p/calexit/sign/", **SPANISH).content.decode()
    assert public._blank_sign_form_html.cache_info().currsize == 2
    assert '<html lang="es">' in spanish
    # The sign form's own labels (petitions/forms.py), rendered once per process and language.
    assert "Last name" in english and "Apellido" not in english
    assert "Apellido" in spanish and "Last name" not in spanish
    assert "Apellido" in client.get("/p/calexit/sign/", **SPANISH).content.decode()  # from the cache
