"""Attachments end to end: an agent attaches a PDF with the clip and drops an image on the
conversation, each with its progress bar; the customer's sandbox phone shows both. A 6 MB image is
refused in the browser before anything is uploaded, naming WhatsApp's limit."""

import pytest
from playwright.sync_api import expect

from tests.e2e.console import Console
from tests.e2e.files import png
from tests.e2e.server import ADMIN_PASSWORD, ADMIN_USERNAME, Server
from tests.e2e.test_screenshots import DEMO_PASSWORD

pytestmark = pytest.mark.e2e

MARIA = "+5493515550101"
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


DROP_FILE = """([name, type, bytes]) => {
  const transfer = new DataTransfer();
  transfer.items.add(new File([new Uint8Array(bytes)], name, { type }));
  const thread = document.querySelector("#chat-thread");
  for (const kind of ["dragover", "drop"]) {
    const init = { dataTransfer: transfer, bubbles: true, cancelable: true };
    thread.dispatchEvent(new DragEvent(kind, init));
  }
}"""


def maria_reaches_soporte(admin: Console) -> int:
    for text in ("Hola, necesito la factura de mayo", "30.123.456", "1"):
        written = admin.api(
            "POST", "/api/sandbox/messages", {"from": MARIA, "name": "María González", "text": text}
        )
    return written["conversation_id"]


def test_an_agent_attaches_a_pdf_and_an_image_and_the_phone_shows_both(serve, console) -> None:
    server: Server = serve(demo=True)
    admin = console(server)
    admin.sign_in(ADMIN_USERNAME, ADMIN_PASSWORD)
    conversation_id = maria_reaches_soporte(admin)
    sofia = console(server)
    page = sofia.sign_in("sofia", DEMO_PASSWORD)
    page.goto(f"/chats/{conversation_id}/")
    attach = page.locator("#attach")

    # the clip opens the file picker; the PDF waits with its caption until it is sent
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Adjuntar un archivo").click()
    chooser.value.set_files(
        files=[{"name": "factura-mayo.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    expect(attach).to_have_attribute("data-state", "ready")
    expect(attach.locator(".attach__name")).to_have_text("factura-mayo.pdf")
    page.get_by_label("Comentario del archivo").fill("Tu factura de mayo")
    page.get_by_role("button", name="Enviar archivo").click()
    expect(attach).to_be_hidden()
    document = page.locator("#chat-thread .bubble--document")
    expect(document).to_contain_text("factura-mayo.pdf")
    expect(document).to_contain_text("Tu factura de mayo")

    # a 6 MB image is refused before anything is uploaded, naming the limit
    uploads = []
    page.on("request", lambda r: uploads.append(r.url) if "/attach/" in r.url else None)
    big = png() + b"\x00" * (6 * 1024 * 1024)
    page.locator("#attach-input").set_input_files(
        files=[{"name": "enorme.png", "mimeType": "image/png", "buffer": big}]
    )
    expect(attach).to_have_attribute("data-state", "error")
    expect(attach.get_by_role("alert")).to_have_text(
        "WhatsApp acepta imágenes de hasta 5 MB. (6 MB)"
    )
    assert uploads == []

    # an image dropped on the conversation replaces it; the composer shows it before sending
    page.evaluate(DROP_FILE, ["comprobante.png", "image/png", list(png())])
    expect(attach).to_have_attribute("data-state", "ready")
    expect(attach.locator(".attach__thumb")).to_be_visible()
    page.get_by_label("Comentario del archivo").fill("Y el comprobante de pago")
    page.get_by_label("Comentario del archivo").press("Enter")
    image = page.locator("#chat-thread .bubble--image img")
    expect(image).to_be_visible()
    expect(page.locator("#chat-thread .bubble--image")).to_contain_text("Y el comprobante")
    assert len(uploads) == 1

    # the customer's phone shows both, the image drawn and the PDF downloadable
    phone = admin.page
    phone.goto(f"/sandbox/?phone={MARIA.replace('+', '%2B')}")
    thread = phone.locator("#sandbox-thread")
    expect(thread.locator(".bubble__doc")).to_contain_text("factura-mayo.pdf")
    expect(thread).to_contain_text("Tu factura de mayo")
    picture = thread.locator(".bubble__image img")
    expect(picture).to_be_visible()
    phone.wait_for_function(
        "img => img.complete && img.naturalWidth === 96", arg=picture.element_handle()
    )
    href = thread.locator(".bubble__doc").get_attribute("href")
    served = phone.request.get(href)
    assert (served.status, served.headers["content-type"], served.body()) == (
        200,
        "application/pdf",
        PDF,
    )
    for person in (admin, sofia):
        assert person.errors == []
