"""Mixed traffic on one tenant over real HTTP, and the expiry job beside it.

Ten threads call a server for LOAD_SECONDS: two open requests (now and then one the
rules refuse), two approve pending ones with the right PIN (an admin mistypes now and
then), one cancels, one looks records and requests up, and four look records up until
half-way, then guess wrong PINs. Their first guesses go in at once while no approval is
in flight, so that the PIN locks out (SPEC rule 6) however fast the machine is; then the
approvals go on against the lock. Every answer is kept, for `checks` to hold against
the database afterwards.
"""

import json
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

import requests
from django.conf import settings
from django.utils import timezone

from accounts.models import Tenant
from unlocks.management.commands.seed_demo import DEMO_API_KEY
from unlocks.models import Batch, Invoice, LockState, Payment
from unlocks.services import expire_requests

LOAD_SECONDS = 20
TENANT = "acme-hvac"
ADMIN = "pat@acme.example"
PIN = "483920"
WRONG_PIN = "000000"
APPROVERS = 2
ATTACKERS = 4
# Wrong PINs each attacking thread sends at once: more than PIN_MAX_FAILURES in all.
BURST = 2
# Requests still pending this long after opening are due for the expiry job here.
EXPIRY_AGE_SECONDS = 4

# The records the load unlocks, beside the demo's own (numbers no demo record has).
INVOICES = [f"LD-INV-{n:04}" for n in range(1, 1501)]
PAYMENTS = [f"LD-PAY-{n:04}" for n in range(1, 301)]
BATCHES = [f"LD-B-{n:03}" for n in range(1, 61)]
# Opens that the rules refuse: an exported batch, an open invoice, a number no one has.
REFUSED_TARGETS = [("batch", "B-1002"), ("invoice", "INV-2002"), ("invoice", "NO-SUCH-1")]


def add_records(tenant_slug=TENANT):
    """Bypassed invoices, imported payments and bypassed batches (two invoices and a
    payment each) for the load to unlock; run after seed_demo."""
    tenant = Tenant.objects.get(slug=tenant_slug)
    Invoice.objects.bulk_create(
        Invoice(tenant=tenant, number=n, state=LockState.BYPASSED) for n in INVOICES
    )
    Payment.objects.bulk_create(
        Payment(tenant=tenant, number=n, state=LockState.IMPORTED) for n in PAYMENTS
    )
    batches = Batch.objects.bulk_create(
        Batch(tenant=tenant, number=n, state=LockState.BYPASSED) for n in BATCHES
    )
    Invoice.objects.bulk_create(
        Invoice(tenant=tenant, number=f"{b.number}-I{i}", batch=b, state=LockState.BYPASSED)
        for b in batches
        for i in (1, 2)
    )
    Payment.objects.bulk_create(
        Payment(tenant=tenant, number=f"{b.number}-P1", batch=b, state=LockState.BYPASSED)
        for b in batches
    )


def run_expiry(*, seconds=LOAD_SECONDS, age=EXPIRY_AGE_SECONDS):
    """The expiry job (the service the beat schedule and `manage.py expire_requests` run)
    in a loop for `seconds`, its clock set so that requests pending for `age` seconds are
    due; prints how many it expired, as the last line of JSON."""
    deadline = time.monotonic() + seconds
    expired = runs = 0
    while time.monotonic() < deadline:
        now = timezone.now() + settings.UNLOCK_REQUEST_TTL - timedelta(seconds=age)
        expired += expire_requests(now=now)
        runs += 1
        time.sleep(0.5)
    print(json.dumps({"expired": expired, "runs": runs}))


@dataclass
class MixedLoad:
    """Runs the mix against `base_url` and keeps every answer."""

    base_url: str
    seconds: float = LOAD_SECONDS
    answers: list = field(default_factory=list)
    pending: list = field(default_factory=list)
    opened: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    rng: random.Random = field(default_factory=lambda: random.Random(14))

    def __post_init__(self):
        self.fresh = [("invoice", n) for n in INVOICES] + [("payment", n) for n in PAYMENTS]
        self.fresh += [("batch", n) for n in BATCHES]
        self.rng.shuffle(self.fresh)
        self.used = []
        # The attack: every attacking thread guesses at once while no approval is in flight
        # (approvers and attackers meet at `quiet`), then the approvals go on.
        self.mine = threading.local()
        self.quiet = threading.Barrier(APPROVERS + ATTACKERS, timeout=10)
        self.burst_done = threading.Event()
        self.burst_over = threading.Barrier(ATTACKERS, action=self.burst_done.set, timeout=10)

    # ------------------------------------------------------------ calls

    def _call(self, session, kind, method, path, body=None, **kept):
        started = time.monotonic()
        answer = {"kind": kind, "t": round(started - self.started, 3), **kept}
        try:
            response = session.request(method, f"{self.base_url}{path}", json=body, timeout=(5, 30))
        except requests.RequestException as exc:
            answer.update(status=None, code=type(exc).__name__)
            self.answers.append(answer)
            return answer, None
        data = None
        if response.headers.get("Content-Type", "").startswith("application/json"):
            data = response.json()
        error = (data or {}).get("error") if isinstance(data, dict) else None
        answer.update(
            status=response.status_code,
            code=error["code"] if error else None,
            details=error["details"] if error else None,
            ms=round((time.monotonic() - started) * 1000),
        )
        if response.status_code >= 500:
            answer["body"] = response.text[:500]
        self.answers.append(answer)
        return answer, data

    def _targets(self):
        with self.lock:
            roll = self.rng.random()
            if roll < 0.05:
                return [self.rng.choice(REFUSED_TARGETS)]
            if roll < 0.15 and self.used:
                # A record someone asked for already: a second request for it, or a refusal.
                return [self.rng.choice(self.used)]
            count = 2 if roll > 0.85 else 1
            targets = [self.fresh.pop() for _ in range(min(count, len(self.fresh)))]
            if not targets:
                return [self.rng.choice(self.used)]
            self.used.extend(targets)
            return targets

    def _take_pending(self, keep=False):
        with self.lock:
            if not self.pending:
                return None
            index = self.rng.randrange(len(self.pending))
            return self.pending[index] if keep else self.pending.pop(index)

    def _give_back(self, request_id):
        with self.lock:
            self.pending.append(request_id)

    def open(self, session, *, share=True):
        """Open a request; returns its id if it opened. Shared ones are for the others
        to approve, cancel and expire."""
        targets = self._targets()
        body = {
            "tenant": TENANT,
            "targets": [{"type": t, "number": n} for t, n in targets],
            "caller": {"name": "Dana Ruiz", "email": "dana@acme.example"},
            "channel": "phone",
            "reason": "Bypassed by mistake; needs re-export",
            "ticket": "ZD-LOAD",
        }
        answer, data = self._call(
            session, "open", "POST", "/api/v1/unlock-requests/", body, targets=targets
        )
        if answer["status"] != 201:
            return None
        answer["id"] = data["id"]
        with self.lock:
            self.opened.append(data["id"])
            if share:
                self.pending.append(data["id"])
        return data["id"]

    def verify(self, session, pin, request_id):
        # Now and then the agent forgets the duplicate-risk tick (400 where a risk applies).
        acknowledged = pin != PIN or self.rng.random() > 0.2
        body = {
            "admin_email": ADMIN,
            "pin": pin,
            "consent_version": 1,
            "consent_accepted": True,
            "duplicate_risk_acknowledged": acknowledged,
        }
        answer, _ = self._call(
            session,
            "verify" if pin == PIN else "guess",
            "POST",
            f"/api/v1/unlock-requests/{request_id}/verify/",
            body,
            id=request_id,
        )
        return answer

    def _attacking(self):
        return time.monotonic() - self.started >= self.seconds / 2

    def _meet(self, barrier):
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            self.burst_done.set()  # someone did not come in time: no more waiting

    def approve(self, session):
        if self._attacking() and not self.burst_done.is_set():
            self._meet(self.quiet)
            self.burst_done.wait(timeout=10)
        request_id = self._take_pending()
        if request_id is None:
            time.sleep(0.02)
            return
        if self.rng.random() < 0.05:
            # The admin mistypes the PIN first, now and then.
            self.verify(session, WRONG_PIN, request_id)
        answer = self.verify(session, PIN, request_id)
        # The agent reads the answer to the caller before the next approval.
        time.sleep(0.1)
        if answer["code"] in ("pin_locked", "pin_incorrect", "duplicate_risk_not_acknowledged"):
            # Still pending: the cancel, the guesses and the expiry job may have it next.
            self._give_back(request_id)
            if answer["code"] == "pin_locked":
                time.sleep(0.05)

    def attack(self, session):
        """Look records up; from half-way, guess wrong PINs on a request of one's own:
        first BURST at once from every attacking thread, then steadily."""
        if not self._attacking():
            self.look_up(session)
            return
        if getattr(self.mine, "request_id", None) is None:
            self.mine.request_id = self.open(session, share=False)
            return
        guesses = 1
        if not self.burst_done.is_set():
            self._meet(self.quiet)
            guesses = BURST
        for _ in range(guesses):
            answer = self.verify(session, WRONG_PIN, self.mine.request_id)
            if answer["code"] == "request_not_pending":
                self.mine.request_id = None  # cancelled or expired: open another
                break
        if guesses == BURST:
            self._meet(self.burst_over)
        if answer["code"] == "pin_locked":
            time.sleep(0.05)

    def cancel(self, session):
        if self.rng.random() < 0.6:
            request_id = self._take_pending()
        else:
            with self.lock:
                request_id = self.rng.choice(self.opened) if self.opened else None
        if request_id is None:
            time.sleep(0.02)
            return
        self._call(
            session,
            "cancel",
            "POST",
            f"/api/v1/unlock-requests/{request_id}/cancel/",
            {"reason": "The customer sorted it out by hand."},
            id=request_id,
        )
        time.sleep(0.1)

    def look_up(self, session):
        with self.lock:
            pick = self.rng.choice(self.used) if self.used else ("invoice", "INV-2001")
            request_id = self.rng.choice(self.opened) if self.opened else None
        record_type, number = pick
        answer, data = self._call(
            session,
            "lookup",
            "GET",
            f"/api/v1/tenants/{TENANT}/records/{record_type}/{number}/",
            target=[record_type, number],
        )
        if answer["status"] == 200:
            answer["state"] = data["state"]
            answer["open_requests"] = data["open_requests"]
        if request_id is not None and self.rng.random() < 0.3:
            answer, data = self._call(
                session, "read", "GET", f"/api/v1/unlock-requests/{request_id}/", id=request_id
            )
            if answer["status"] == 200:
                answer["request_status"] = data["status"]

    # ------------------------------------------------------------ threads

    def _thread(self, role, start_barrier):
        session = requests.Session()
        session.headers.update(
            {"Authorization": f"Token {DEMO_API_KEY}", "User-Agent": "mixed-load/1.0"}
        )
        start_barrier.wait()
        try:
            while time.monotonic() < self.deadline:
                role(session)
        finally:
            session.close()

    def run(self):
        """Run the mix for `seconds`; returns the answers."""
        roles = [self.open] * 2 + [self.approve] * APPROVERS + [self.attack] * ATTACKERS
        roles += [self.cancel, self.look_up]
        barrier = threading.Barrier(len(roles) + 1)
        threads = [
            threading.Thread(target=self._thread, args=(role, barrier), daemon=True)
            for role in roles
        ]
        for thread in threads:
            thread.start()
        self.started = time.monotonic()
        self.deadline = self.started + self.seconds
        barrier.wait()
        for thread in threads:
            thread.join(timeout=self.seconds + 60)
        self.duration = time.monotonic() - self.started
        return self.answers


def tally(answers):
    """`kind status code` -> how many, for the report."""
    return Counter(f"{a['kind']} {a['status']} {a['code'] or ''}".strip() for a in answers)
