"""Signals that update themselves (PRODUCT.md, "Signals that update themselves"), by concern:

- `shapes`: what each provider's body must look like (BadPayload: answered 400);
- `receiving`: storing each event once as the answer (deliveries answered together share one
  transaction), and applying the received ones after it (the worker's step); unmatched events
  applied when their account's id is set;
- `segment`, `intercom`, `hubspot`: what one provider's event does;
- `hubspot_reads`: HubSpot company creations completed from the CRM after the answer;
- `tickets`: tickets → the weekly `ticket_trend` reading, and `rescuebot tickets import`;
- `recording`: a reading through the same rules as a Slack rating;
- `operator`: `rescuebot integrations status|unmatched`.
"""

from bot.services.integrations.operator import status, unmatched
from bot.services.integrations.receiving import (
    Delivery,
    Received,
    apply_all_waiting,
    apply_next,
    apply_received,
    apply_waiting,
    hubspot_delivery,
    intercom_delivery,
    receive_hubspot,
    receive_intercom,
    receive_segment,
    segment_delivery,
    store_deliveries,
)
from bot.services.integrations.shapes import BadPayload
from bot.services.integrations.tickets import TicketImport, import_tickets, judge_finished_weeks

__all__ = [
    "BadPayload",
    "Delivery",
    "Received",
    "TicketImport",
    "apply_all_waiting",
    "apply_next",
    "apply_received",
    "apply_waiting",
    "hubspot_delivery",
    "import_tickets",
    "intercom_delivery",
    "judge_finished_weeks",
    "receive_hubspot",
    "receive_intercom",
    "receive_segment",
    "segment_delivery",
    "status",
    "store_deliveries",
    "unmatched",
]
