"""`manage.py plc_simulator`: PLCs for the demo and the tests. Real Modbus TCP and OPC UA servers on loopback,
one per device, whose counters and states follow what MES has running (docs/shopfloor.md)."""
