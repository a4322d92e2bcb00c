"""The tenant's pages: the PIN page, receipts, the admin's list of requests, and "was this
exported?". They read through `unlocks.outlook` and the selectors, change state only
through `unlocks.services`, and decide nothing themselves; a `Refusal` becomes what a
page shows in one place per page. Every page answers `Cache-Control: no-store`, and the
PIN never reaches a log (sensitive POST parameter), a URL (POST only) or a re-rendered
form (PasswordInput)."""
