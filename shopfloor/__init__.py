"""Shopfloor: PLC devices over Modbus TCP and OPC UA feeding MES."""
