"""Which marketplace API serves which offer, in the words a user reads (pure: text only).

Microsoft's submission API overview names three APIs. The legacy Cloud Partner Portal API is "in maintenance mode
only", for offers integrated before the move to Partner Center; the Product Ingestion API (preview) serves SaaS,
VM, container and private offers, which this app cancels by their configure job; Azure Application offers use the
Partner Center submission API, whose in-progress submission this app cancels for the publishers a deployment serves
(SUBMISSION_API_PUBLISHERS). `/cpp help`, the README and the CPP's "not found"
all say so from here, so a user who names an offer the CPP does not know learns where to look.
"""

from __future__ import annotations

CPP_OFFERS = "Offers integrated before the move to Partner Center (the Cloud Partner Portal API, in maintenance mode)"
INGESTION_OFFERS = (
    "SaaS, VM, container and private offers published in Partner Center (the Product Ingestion API, preview)"
)
SUBMISSION_OFFERS = (
    "Azure Application offers (the Partner Center submission API), for the publishers this deployment serves "
    "(SUBMISSION_API_PUBLISHERS)"
)

#: Appended to the CPP's 404 for an offer: the offer may simply live behind another API.
NOT_IN_CPP = (
    "The Cloud Partner Portal API (maintenance mode) knows only offers integrated before the move to Partner Center. "
    "SaaS, VM, container and private offers go through the Product Ingestion API: cancel the configure job by its ID "
    '(job=<jobId> in Slack, "jobId" in the webhook). Azure Application offers use the Partner Center submission API: '
    'the ops command lists their in-progress submission (submission=<submissionId> in Slack, "submissionId" in the '
    "webhook) when SUBMISSION_API_PUBLISHERS lists the publisher."
)
