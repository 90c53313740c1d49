"""ERP's handlers of the lower apps' events for sales."""
