"""What every backend's client shares, owned by none of them.

- `client.py`: one checked base URL, API version, token provider and session, with the API's own timeouts/retries.
- `transport.py`: the `requests.Session`, urllib3's retry policy, capped bodies, and the token's fence.
- `urlguard.py` + `within.py`: a token goes only to its own API's origin and path; a read a person waits for runs
  within a deadline.
- `tokens.py` (one provider per audience) and `credentials.py` (the one Azure AD credential, by IDENTITY_MODE).
- `errors.py`: `ApiError` with the service's name, and its kinds. `operation.py`: the neutral `Operation`/`Step`.
"""
