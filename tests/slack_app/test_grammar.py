"""The slash-command grammar: a pure, total function from text to a command or a ParseError."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from cppcancel.identifiers import MAX_ID_LENGTH
from cppcancel.targets import PublishTarget
from slack_app import grammar
from slack_app.grammar import Cancel, Help, Ops, ParseError, Status, parse, render

# ---- examples -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", Help()),
        ("   \t ", Help()),
        ("help", Help()),
        ("HeLp me please", Help()),
        ("frobnicate contoso x", Help(unknown="frobnicate")),
        ("ops contoso contoso-vm-offer", Ops("contoso", "contoso-vm-offer")),
        ("  OPS   contoso\tcontoso-vm-offer  ", Ops("contoso", "contoso-vm-offer")),
        ("status Contoso Offer.v2_x", Status(PublishTarget("contoso", "offer.v2_x"))),
        ("cancel contoso contoso-vm-offer", Cancel(PublishTarget("contoso", "contoso-vm-offer"))),
        ("cancel contoso o notify=a@x.com", Cancel(PublishTarget("contoso", "o"), ("a@x.com",))),
        ("cancel contoso o NOTIFY=a@x.com,b@x.com", Cancel(PublishTarget("contoso", "o"), ("a@x.com", "b@x.com"))),
        ("cancel contoso o notify=a@x.com, b@x.com", Cancel(PublishTarget("contoso", "o"), ("a@x.com", "b@x.com"))),
        ("cancel notify=a@x.com contoso o", Cancel(PublishTarget("contoso", "o"), ("a@x.com",))),
        ("cancel contoso o notify=a@x.com,a@x.com,", Cancel(PublishTarget("contoso", "o"), ("a@x.com",))),
        ("cancel contoso o notify=<mailto:a@x.com|a@x.com>", Cancel(PublishTarget("contoso", "o"), ("a@x.com",))),
    ],
)
def test_valid_commands(text: str, expected: grammar.Command) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "message", "usage"),
    [
        ("ops", "The publisher and offer IDs are missing.", grammar.USAGE["ops"]),
        ("status contoso", "The offer ID is missing.", grammar.USAGE["status"]),
        ("cancel contoso", "The offer ID is missing.", grammar.USAGE["cancel"]),
        ("cancel contoso notify=a@x.com", "The offer ID is missing.", grammar.USAGE["cancel"]),
        ("ops contoso offer more", "I did not expect 'more' after the offer ID.", grammar.USAGE["ops"]),
        ("ops .hidden offer", "The publisher ID '.hidden' is not valid", grammar.USAGE["ops"]),
        ("ops contoso of/fer", "The offer ID 'of/fer' is not valid", grammar.USAGE["ops"]),
        ("ops contoso " + "a" * (MAX_ID_LENGTH + 1), "The offer ID is too long (101 characters", grammar.USAGE["ops"]),
        ("cancel c o notify=", "notify= needs at least one e-mail address.", grammar.USAGE["cancel"]),
        ("cancel c o notify=,,", "notify= needs at least one e-mail address.", grammar.USAGE["cancel"]),
        ("cancel c o notify=bob", "'bob' is not a valid e-mail address.", grammar.USAGE["cancel"]),
        ("cancel c o notify=a@x.com notify=b@x.com", "Give notify= once", grammar.USAGE["cancel"]),
        ("x" * 501, "The command is too long (501 characters; at most 500).", grammar.GENERAL_USAGE),
    ],
)
def test_parse_errors_say_what_and_the_right_form(text: str, message: str, usage: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse(text)
    assert caught.value.message.startswith(message)
    assert caught.value.usage == usage


def test_too_many_notification_addresses() -> None:
    addresses = ",".join(f"u{i}@x.com" for i in range(21))
    with pytest.raises(ParseError, match="Too many notification addresses"):
        parse(f"cancel c o notify={addresses}")


# ---- properties -----------------------------------------------------------------------------------------------------

ID_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
ids = st.builds(
    lambda head, tail: head + tail,
    st.sampled_from(ID_ALPHABET),
    st.text(alphabet=ID_ALPHABET + "._-", max_size=30),
)
canonical_ids = ids.map(str.lower)  # what a parsed command holds: IDs are lowercased where they come in
emails = st.builds(
    lambda local, domain, tld: f"{local}@{domain}.{tld}",
    st.text(alphabet="abcxyz0189._+-", min_size=1, max_size=10),
    st.text(alphabet="abcdefgh0123", min_size=1, max_size=10),
    st.sampled_from(["com", "io", "co.uk"]),
)
commands = st.one_of(
    st.just(Help()),
    st.builds(Ops, canonical_ids, canonical_ids),
    st.builds(Status, st.builds(PublishTarget, canonical_ids, canonical_ids)),
    st.builds(
        Cancel,
        st.builds(PublishTarget, canonical_ids, canonical_ids),
        st.lists(emails, max_size=3, unique=True).map(tuple),
    ),
)


@given(st.text(max_size=600))
@example("cancel a b notify=" + "," * 50)
@example("&lt;mailto:")
@example("cancel a b notify=<mailto:|>")
def test_parse_raises_nothing_but_parse_error(text: str) -> None:
    outcome: object
    try:
        outcome = parse(text)
    except ParseError as exc:
        outcome = exc
    if isinstance(outcome, ParseError):
        assert outcome.message and outcome.usage
    else:
        assert isinstance(outcome, Help | Ops | Status | Cancel)


@given(commands)
def test_rendered_commands_parse_back_to_themselves(command: grammar.Command) -> None:
    assert parse(render(command)) == command


@given(commands, st.sampled_from(["upper", "lower", "title"]), st.sampled_from([" ", "  ", "\t", " \u00a0 "]))
def test_verb_case_and_spacing_do_not_matter(command: grammar.Command, case: str, gap: str) -> None:
    verb, *rest = render(command).split(" ")
    assert parse(gap.join([getattr(verb, case)(), *rest])) == command


@given(st.sampled_from(["ops", "status", "cancel"]), ids, ids)
def test_ids_in_any_case_parse_to_one_lowercase_offer(verb: str, publisher: str, offer: str) -> None:
    parsed = parse(f"{verb} {publisher} {offer}")
    assert isinstance(parsed, Ops | Status | Cancel)
    assert (parsed.publisher_id, parsed.offer_id) == (publisher.lower(), offer.lower())


bad_ids = st.one_of(
    st.text(alphabet="._-", min_size=1, max_size=5).map(lambda s: s + "x"),  # must start alphanumeric
    st.builds(lambda a, b: f"{a}{b}x", ids, st.sampled_from("/\\?#%$@!*:;'\"")),
    ids.map(lambda s: s + "a" * (MAX_ID_LENGTH + 1 - len(s))),  # one character too long
)


@given(st.sampled_from(["ops", "status", "cancel"]), ids, bad_ids, st.booleans())
def test_bad_ids_are_rejected_with_the_verbs_usage(verb: str, good: str, bad: str, bad_is_offer: bool) -> None:
    publisher, offer = (good, bad) if bad_is_offer else (bad, good)
    with pytest.raises(ParseError) as caught:
        parse(f"{verb} {publisher} {offer}")
    assert caught.value.usage == grammar.USAGE[verb]
    assert ("offer ID" if bad_is_offer else "publisher ID") in caught.value.message
