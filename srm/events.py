"""The domain events `srm` publishes. Payloads are JSON; ids are strings, dates ISO strings. Upper apps
(MES, CRM) and notifications subscribe to them; each area adds its own events here."""

# A supplier's certificate expires within TAKT_CERTIFICATE_WARNING_DAYS: given once per
# expiry date, by the daily beat task. payload: certificate, supplier, kind, number, valid_to, days_left,
# blocks_purchasing (whether purchasing from the supplier is blocked once it has expired).
CERTIFICATE_EXPIRING = "srm.certificate.expiring"
