"""Every state change of an unlock request: the one guarded door (SPEC.md, STYLE.md 1).

One module per action: `opening` (open a request), `approval` (verify and unlock, with
`approvals` recording each approval and the first of two, and `unlocking` what the last
writes), `closing` (cancel, expire), `window` (re-lock early, end windows, remind) and
`policy` (a tenant's two-approver policy), with `shared` for what they have in common.
The API, the PIN page and the console call these functions and nothing else changes an
unlock's state. A refusal is raised as `Refusal`; refusals that must leave a trace (wrong
PINs, lock-outs, a request refused at approval) are committed first. Each function reads
(and locks), asks `unlocks.rules` (through `unlocks.outlook.judge` for the targets), then
writes.

Row locks, always taken in this order within a transaction:
1. the unlock request (SELECT ... FOR NO KEY UPDATE);
2. the tenant, by an approval only, in the same statement as its request, FOR NO KEY
   UPDATE: held across the PIN check (it counts concurrent guesses one by one), it does
   not block the foreign-key checks (FOR KEY SHARE) of the tenant's other changes;
   2a. the approver's authenticator device, where the approval checks its code (FOR NO
   KEY UPDATE; django-otp records the code used and the failures on it);
3. the target records, batches then invoices then payments, each type by id, FOR NO
   KEY UPDATE (the targets of an open naming them check their keys at commit);
   2b. a tenant's waiting policy change (`policy`, which takes no request: the tenant's
   row first, as an approval takes it, so an approval reads the policy under that lock);
4. the tenant's audit chain head (audit.services), last: the change writes its outbox
   rows first, so the head is held only for the insert of the entries and the commit
   (an approval's receipt, which names its entry, is written after it).
A bypassed batch's own transactions are locked by the UPDATE that opens them, after
the targets: safe, because the tenant's row, locked first, serialises approvals.
Ending an unlock (its window's end, or an early re-lock) takes the same order: its
request and the tenant (1, 2, in one statement), every record it opened (3: batches,
invoices, payments, each by id), then the chain head (4). The tenant's row serialises it
with the tenant's approvals, whose batch transactions are locked outside that order;
whichever comes second reads the records as the first left them (a re-lock finds by
`unlocked_by` only what is still its own).
Holding the tenant's row across the PIN check is deliberate: it counts one tenant's
concurrent guesses one by one; no other tenant's change, and no open or cancel of this
tenant (they take FOR KEY SHARE at most), waits for it.

A refused attempt's audit entry commits even though the caller gets the refusal: each
guarded function commits it in a transaction of its own before raising, and the API's
`Idempotency-Key` (the one caller that wraps a change in its transaction) stores the
refusal as its answer and commits with it. The jobs (expiry, the windows' ends and
reminders) take one durable transaction per request (`atomic(durable=True)`): a tenant's
chain head is held for one request at a time, never for a whole run.
"""

from unlocks.services.approval import verify_and_unlock
from unlocks.services.closing import cancel_request, expire_requests
from unlocks.services.opening import open_request
from unlocks.services.window import end_windows, relock_request, remind_windows

__all__ = [
    "cancel_request",
    "end_windows",
    "expire_requests",
    "open_request",
    "relock_request",
    "remind_windows",
    "verify_and_unlock",
]
