"""The integrations' HTTP surface: webhook endpoints of Segment and Intercom, each verified
before it is parsed, handing the event to its use case in `bot.services.integrations`."""
