"""What a rendered page offers its reader: the unsafe requests it can send (forms, htmx) and the links it holds."""

from __future__ import annotations

from html.parser import HTMLParser

_HX_UNSAFE = ("hx-post", "hx-put", "hx-patch", "hx-delete")
_CONTROLS = {"input", "select", "textarea", "button"}


class Offers(HTMLParser):
    """Collects (method, url) of every unsafe request a person could send from the page, and every link."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.unsafe: list[tuple[str, str]] = []
        self.links: list[str] = []
        self._form: dict | None = None
        self._disabled_depth = 0  # inside a <fieldset disabled>, nothing can be sent
        self._fieldsets: list[bool] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if a.get("hx-get"):  # an inline editor is fetched this way
            self.links.append(a["hx-get"])
        if tag == "fieldset":
            disabled = "disabled" in a
            self._fieldsets.append(disabled)
            self._disabled_depth += disabled
        if tag == "form":
            method = (a.get("method") or "get").lower()
            self._form = {"method": method, "action": a.get("action") or "", "offered": False}
        enabled = not self._disabled_depth and "disabled" not in a
        for attr in _HX_UNSAFE:
            if a.get(attr) and enabled:
                self.unsafe.append((attr[3:].upper(), a[attr]))
        if self._form is not None and self._form["method"] == "post" and enabled and tag in _CONTROLS:
            submits = (tag == "button" and a.get("type", "submit") == "submit") or a.get("type") in ("submit", "image")
            submits = submits and (a.get("formmethod") or "post").lower() != "get"  # a preview button reads
            self._form["offered"] = self._form["offered"] or submits

    def handle_endtag(self, tag):
        if tag == "fieldset" and self._fieldsets:
            self._disabled_depth -= self._fieldsets.pop()
        if tag == "form" and self._form is not None:
            if self._form["offered"]:
                self.unsafe.append(("POST", self._form["action"]))
            self._form = None


def offers(html: str) -> Offers:
    """Parse a page and return what it offers."""
    parser = Offers()
    parser.feed(html)
    parser.close()
    return parser
