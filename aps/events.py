"""The domain events `aps` publishes. Payloads are JSON; ids are strings, quantities decimal strings, dates and
times ISO strings. Upper apps (MES, CRM) and partners' webhooks subscribe to them; APS never imports them."""

# A planner firmed a planned order of MRP: one event per planned order. A make order became a firm ERP
# production order, a buy order a line of a draft purchase order (a buyer still sends it).
# payload: planned_order (number), kind (make | buy), item, quantity, start_date, due_date,
# production_order (number or None), purchase_order (number or None), firmed_at.
PLANNED_ORDER_FIRMED = "aps.planned_order.firmed"

# A solved schedule became the plan the shop floor works to; the previous published one is superseded.
# payload: schedule (id), name, horizon_start, frozen_until, operations (how many are placed), tardy_orders,
# weighted_tardiness, makespan_minutes, superseded (ids of the schedules it replaced), published_at.
SCHEDULE_PUBLISHED = "aps.schedule.published"
