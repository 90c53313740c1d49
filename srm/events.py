"""The domain events `srm` publishes. Payloads are JSON; ids are strings, dates ISO strings. Upper apps
(MES, CRM) and notifications subscribe to them; each area adds its own events here."""

# A supplier's certificate expires within TAKT_CERTIFICATE_WARNING_DAYS: given once per
# expiry date, by the daily beat task. payload: certificate, supplier, kind, number, valid_to, days_left,
# blocks_purchasing (whether purchasing from the supplier is blocked once it has expired).
CERTIFICATE_EXPIRING = "srm.certificate.expiring"

# A supplier announced a shipment (ASN) of a purchase order: the receipt expects its lines.
# payload: asn, asn_number, supplier, purchase_order, receipt, ship_date, expected_date, carrier, tracking,
# lines: [{position, item, quantity, lot_code}].
ASN_ANNOUNCED = "srm.asn.announced"
