"""PLM: engineering data, BOMs and routings with revisions, engineering change orders."""
