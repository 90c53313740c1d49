"""CRM: accounts, pipeline, quotations, service cases."""
