"""The organisation's view: many repositories' JSON reports in, organisation figures out (`riskscan portfolio`)."""
