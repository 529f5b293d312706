"""Collection: the collectors' daily round, payments and receipts, voids, closed marks,
waivers and deposits.

Rules kept here, beyond DOMAIN.md:
- One receipt covers days of one assignment (one business) of one stall.
- Payments and waivers of a hall queue on the hall's receipt counter row (locked first in
  the transaction); a replayed request (same collector and idempotency key, same request)
  returns the first receipt and takes no number; the partial unique index on
  payment_days (stall, day) where not void stays the database's own guard.
- A waiver refuses a day that a valid receipt covers and names the receipt: the manager
  voids the receipt first, so money taken is never silently turned into a waiver.
- A closed mark is an observation: the day stays due.
- A deposit keeps the cash total of the collector's valid receipts at the moment it was
  recorded (cash_expected), so its difference stays on record if a receipt is voided later.
"""
