"""The third backend's groundwork: Partner Center's submission API ("ingestion v1"), which publishes Azure Application
offers (managed applications, solution templates) and cancels an in-progress submission with
`DELETE /products/{productId}/submissions/{submissionId}` (204).

Unlike the Product Ingestion API it can list what is in flight: an offer's product is found by its offer ID, and the
product's submissions say their `state` (InProgress/Published) and `substate`. Only an InProgress submission is
cancelled, decided from what was read just before; past certification is too late. The cancel is synchronous (no
operation to follow): the outcome is confirmed by reading the submissions again.

- `models.py`: products, submissions, workflow details and pages, parsed tolerantly (pure).
- `decisions.py`: may it be cancelled, why not (too late, what is safe now), and the watcher's view after a cancel.
- `error_body.py`: the API's error bodies (a string, or a string holding JSON), its words kept.
- `urls.py`: every URL the token may go to - its origin and path only, next-page links checked, a DELETE only of a
  submission, never of a product.
- `client.py`: the HTTP client on the project's transport, and its errors.
- `tokens.py`: its token provider (SUBMISSION_API_ACCESS_TOKEN locally, else the configured identity).

It imports only `backends.http` (transport, errors, tokens, urlguard), `backends.base` and `cppcancel` (settings,
identifiers, the tolerant JSON reader), never the other backends. Its local stand-in (tests, dev host) is
`devhost.standins.submission`.
"""
