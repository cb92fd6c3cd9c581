"""HubSpot's CRM API, as rescuebot calls it (companies, notes): the calls and their failures;
no use cases here."""
