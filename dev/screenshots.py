#!/usr/bin/env python3
"""Take the screenshots of the app page (static/description/*.png).

Usage: start the demo server with `make run` (http://localhost:8069, database
everest_serial_gen, login admin/admin), then, in another shell,
`make screenshots` (or `python3 dev/screenshots.py [options]`). The database
must have been created with the current demo data (a database only updated
since keeps its old demo records): for a new one, run both with
ESG_DB=<new name>, e.g. `ESG_DB=esg_screenshots make run`.

How: the script logs in with Odoo's JSON-RPC, finds the demo records by their
XML ids, then drives headless Chromium (Debian's package `chromium`) through
the DevTools protocol over a pipe (--remote-debugging-pipe): it sets the
session cookie, opens each page at 1280x800, waits for what it must show,
clicks where a user would, and saves the viewport as PNG. Only the standard
library is used, so it runs with any Python 3.

The pictures:
- screenshot_wizard.png: Generate Serial # opened on the credit note
  everest_serial_gen.demo_credit_note (the wizard is not confirmed, so the
  demo data stays as it is);
- screenshot_settings.png: Inventory > Configuration > Settings, block
  Serial Number Generation;
- screenshot_smart_button.png: the credit note
  everest_serial_gen.demo_credit_note_generated with its Serial Numbers
  smart button;
- screenshot_return_by_hand.png: Generate Serial # opened on the receipt
  everest_serial_gen.demo_return_entered_by_hand, a customer's return
  entered on Receipts with default settings (not confirmed);
- screenshot_service_history.png (in everest_serial_gen_vendor's
  static/description, or --out-vendor): the form of the serial that the
  vendor replaced in the demo service loop
  (everest_serial_gen_vendor.demo_loop_return_receipt), with its Service
  History.
"""

import argparse
import base64
import fcntl
import http.cookiejar
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ADDON = "everest_serial_gen"
VENDOR_ADDON = "everest_serial_gen_vendor"
BROWSERS = ["chromium", "google-chrome", "chromium-browser", "google-chrome-stable"]
WIDTH, HEIGHT = 1280, 800
TIMEOUT = 30.0

# A legacy /web#... URL: Odoo 18's router rewrites it to the web client's own
# path (/odoo/..., or the name a rebranded build gives it).
CREDIT_NOTE_URL = (
    "/web#action=account.action_move_out_refund_type&id={id}&view_type=form"
)
SETTINGS_URL = "/web#action=stock.action_stock_config_settings"
RECEIPT_URL = "/web#action=stock.action_picking_tree_incoming&id={id}&view_type=form"
SERIAL_URL = "/web#action=stock.action_production_lot_form&id={id}&view_type=form"


class Odoo:
    """A logged-in JSON-RPC client of the server."""

    def __init__(self, url, db, login, password):
        self.url = url.rstrip("/")
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies)
        )
        self.call("/web/session/authenticate", db=db, login=login, password=password)
        self.session_id = next(
            (c.value for c in self.cookies if c.name == "session_id"), None
        )
        if not self.session_id:
            sys.exit(f"Logging in as {login} on {self.url} gave no session.")

    def call(self, path, **params):
        body = json.dumps({"jsonrpc": "2.0", "method": "call", "params": params})
        request = urllib.request.Request(
            self.url + path,
            body.encode(),
            {"Content-Type": "application/json"},
        )
        try:
            with self.opener.open(request, timeout=TIMEOUT) as response:
                answer = json.load(response)
        except OSError as error:
            sys.exit(
                f"No Odoo server answers at {self.url} ({error}). Start it with "
                "`make run` first."
            )
        if answer.get("error"):
            sys.exit(f"{path}: {answer['error']['data']['message']}")
        return answer["result"]

    def xmlid_to_id(self, xmlid):
        module, name = xmlid.split(".")
        rows = self.call(
            "/web/dataset/call_kw",
            model="ir.model.data",
            method="search_read",
            args=[[("module", "=", module), ("name", "=", name)], ["res_id"]],
            kwargs={},
        )
        if not rows:
            sys.exit(f"{xmlid} is not in the database: it needs the demo data.")
        return rows[0]["res_id"]


class Chromium:
    """Headless Chromium, driven with the DevTools protocol over a pipe."""

    def __init__(self, executable):
        self.profile = tempfile.mkdtemp(prefix="esg-screenshots-")
        # Chromium reads commands on fd 3 and writes answers on fd 4; keep the
        # pipe ends above them so that the dup2 calls below do not clash.
        to_chrome = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in os.pipe()]
        from_chrome = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in os.pipe()]

        def child_fds():
            os.dup2(to_chrome[0], 3)
            os.dup2(from_chrome[1], 4)

        cmd = [
            executable,
            "--headless",
            "--remote-debugging-pipe",
            f"--user-data-dir={self.profile}",
            f"--window-size={WIDTH},{HEIGHT}",
            "--hide-scrollbars",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-extensions",
            "--no-first-run",
            "--no-default-browser-check",
            "about:blank",
        ]
        if os.geteuid() == 0:
            cmd.insert(1, "--no-sandbox")  # Chromium refuses to run as root otherwise
        # pylint: disable=subprocess-popen-preexec-fn
        self.process = subprocess.Popen(
            cmd,
            pass_fds=(3, 4),
            preexec_fn=child_fds,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for fd in (*to_chrome, *from_chrome):
            if fd not in (to_chrome[1], from_chrome[0]):
                os.close(fd)
        self.writer = os.fdopen(to_chrome[1], "wb", buffering=0)
        self.reader = os.fdopen(from_chrome[0], "rb", buffering=0)
        self.buffer = b""
        self.next_id = 0
        self.session = None

    def close(self):
        try:
            self.send("Browser.close", session=False)
        except Exception:  # pylint: disable=broad-except
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.profile, ignore_errors=True)

    def send(self, method, session=True, **params):
        """Send a command and return its result, skipping the events."""
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params}
        if session and self.session:
            message["sessionId"] = self.session
        self.writer.write(json.dumps(message).encode() + b"\0")
        while True:
            answer = self._read()
            if answer.get("id") == self.next_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer["result"]

    def _read(self):
        while b"\0" not in self.buffer:
            chunk = self.reader.read(1 << 20)
            if not chunk:
                raise RuntimeError("Chromium stopped")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def open_tab(self):
        target = self.send("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.send(
            "Target.attachToTarget", targetId=target, flatten=True
        )["sessionId"]
        self.send(
            "Emulation.setDeviceMetricsOverride",
            width=WIDTH,
            height=HEIGHT,
            deviceScaleFactor=1,
            mobile=False,
        )
        self.send("Page.enable")

    def evaluate(self, expression):
        result = self.send(
            "Runtime.evaluate",
            expression=expression,
            returnByValue=True,
            awaitPromise=True,
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, selector, text=None):
        """Wait until an element matching ``selector`` (containing ``text``)
        is shown; return the time it took."""
        check = (
            f"[...document.querySelectorAll({json.dumps(selector)})].some("
            f"(el) => el.offsetParent !== null && el.textContent.includes("
            f"{json.dumps(text or '')}))"
        )
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            if self.evaluate(check):
                return
            time.sleep(0.2)
        self.screenshot(Path(tempfile.gettempdir()) / "esg-screenshot-timeout.png")
        raise RuntimeError(
            f"{selector!r} never showed {text or ''!r} (the page is saved as "
            f"{tempfile.gettempdir()}/esg-screenshot-timeout.png)"
        )

    def click(self, selector):
        self.wait_for(selector)
        self.evaluate(f"document.querySelector({json.dumps(selector)}).click()")

    def settle(self):
        """Let the web client finish its requests and animations."""
        time.sleep(1.5)
        self.evaluate("document.activeElement && document.activeElement.blur()")

    def screenshot(self, path):
        data = self.send("Page.captureScreenshot", format="png")["data"]
        Path(path).write_bytes(base64.b64decode(data))


def find_browser(given):
    if given:
        return given
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    sys.exit(
        "No Chromium found: install Debian's package chromium "
        "(apt-get install chromium), or pass --browser."
    )


def check_demo(odoo, credit_note, generated):
    """Odoo runs the <function> tags of demo data only when it installs the
    module: a database made before the demo data was updated lacks them."""
    moves = odoo.call(
        "/web/dataset/call_kw",
        model="account.move",
        method="read",
        args=[[credit_note, generated], ["state", "serial_lot_count"]],
        kwargs={},
    )
    states = {move["id"]: move for move in moves}
    if (
        states[credit_note]["state"] != "posted"
        or not states[generated]["serial_lot_count"]
    ):
        sys.exit(
            "The demo credit notes of this database are not posted or not "
            "generated: it was made before the demo data. Serve a new database, "
            "e.g. `ESG_DB=esg_screenshots make run`, then run "
            "`ESG_DB=esg_screenshots make screenshots`."
        )


def take(browser, odoo, out, out_vendor):
    browser.send(
        "Network.setCookie",
        name="session_id",
        value=odoo.session_id,
        url=odoo.url,
    )

    def open_page(path):
        browser.send("Page.navigate", url=odoo.url + path)
        browser.wait_for(".o_action_manager .o_view_controller")

    def save(name, folder=out):
        browser.settle()
        browser.screenshot(folder / name)
        print(f"saved {folder / name}")

    credit_note = odoo.xmlid_to_id(f"{ADDON}.demo_credit_note")
    generated = odoo.xmlid_to_id(f"{ADDON}.demo_credit_note_generated")
    check_demo(odoo, credit_note, generated)

    # (a) the wizard on a credit note still to generate
    open_page(CREDIT_NOTE_URL.format(id=credit_note))
    browser.click(".o_statusbar_buttons button[name=action_generate_serial]")
    browser.wait_for(".modal .o_field_widget[name=line_ids] .o_data_row")
    save("screenshot_wizard.png")

    # (b) the settings block
    open_page(SETTINGS_URL)
    browser.wait_for(".o_action_manager h2", "Serial Number Generation")
    browser.evaluate(
        "[...document.querySelectorAll('.o_action_manager h2')].find("
        "(h) => h.textContent.includes('Serial Number Generation'))"
        ".scrollIntoView({block: 'start'})"
    )
    save("screenshot_settings.png")

    # (c) a credit note with its Serial Numbers smart button
    open_page(CREDIT_NOTE_URL.format(id=generated))
    browser.wait_for(
        ".o_form_view button[name=action_view_serials] .o_stat_text", "Serial Numbers"
    )
    save("screenshot_smart_button.png")

    # (d) a customer's return entered by hand on Receipts: the wizard says
    # that OK receives it from the customer (not confirmed)
    open_page(
        RECEIPT_URL.format(id=odoo.xmlid_to_id(f"{ADDON}.demo_return_entered_by_hand"))
    )
    browser.click(".o_statusbar_buttons button[name=action_generate_serial]")
    browser.wait_for(".modal .alert-info", "OK receives it from")
    save("screenshot_return_by_hand.png")

    # (e) the service history of the serial the vendor replaced
    open_page(SERIAL_URL.format(id=replaced_serial(odoo)))
    browser.wait_for(".o_form_view .o_serial_history tbody tr", "Vendor receipt")
    browser.evaluate(
        "document.querySelector('.o_form_view .o_serial_history')"
        ".scrollIntoView({block: 'end'})"
    )
    save("screenshot_service_history.png", out_vendor)


def replaced_serial(odoo):
    """The serial of the demo service loop that the vendor replaced."""
    receipt = odoo.xmlid_to_id(f"{VENDOR_ADDON}.demo_loop_return_receipt")
    lots = odoo.call(
        "/web/dataset/call_kw",
        model="stock.lot",
        method="search_read",
        args=[
            [
                ("serial_document_ref", "=", f"stock.picking,{receipt}"),
                ("serial_replaced_by_ids", "!=", False),
            ],
            ["id"],
        ],
        kwargs={},
    )
    if not lots:
        sys.exit(
            "The demo service loop of this database has no replaced serial: it "
            "was made before the demo data. Serve a new database (ESG_DB=...)."
        )
    return lots[0]["id"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://localhost:8069")
    parser.add_argument("--db", default=os.environ.get("ESG_DB", ADDON))
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--browser", help="Chromium or Chrome executable")
    parser.add_argument(
        "--out", type=Path, default=REPO / ADDON / "static" / "description"
    )
    parser.add_argument(
        "--out-vendor",
        type=Path,
        default=REPO / VENDOR_ADDON / "static" / "description",
    )
    args = parser.parse_args()
    odoo = Odoo(args.url, args.db, args.login, args.password)
    browser = Chromium(find_browser(args.browser))
    try:
        browser.open_tab()
        take(browser, odoo, args.out, args.out_vendor)
    finally:
        browser.close()


if __name__ == "__main__":
    main()
