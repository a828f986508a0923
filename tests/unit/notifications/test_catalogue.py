"""The message catalogue: it loads, every kind renders in many zones, and mistakes fail loudly."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from roundtable.notifications.catalogue import (
    CATALOGUE_PATH,
    CatalogueError,
    Mention,
    Placeholder,
    load_catalogue,
    parse_catalogue,
    substitutions,
)

CATALOGUE = parse_catalogue(CATALOGUE_PATH.read_text(encoding="utf-8"))

# Three instants around daylight-saving changes: New York moves to EDT on
# 8 March 2026, Berlin to CEST on 29 March, Adelaide back to ACST on 5 April.
BEFORE_US_DST = datetime(2026, 3, 7, 15, 0, tzinfo=UTC)
AFTER_US_DST = datetime(2026, 3, 9, 15, 0, tzinfo=UTC)
AFTER_EU_AND_AU_CHANGES = datetime(2026, 4, 6, 15, 0, tzinfo=UTC)

EXPECTED = {
    (BEFORE_US_DST, "America/New_York"): "Saturday 7 March 2026, 10:00 EST",
    (AFTER_US_DST, "America/New_York"): "Monday 9 March 2026, 11:00 EDT",
    (AFTER_EU_AND_AU_CHANGES, "America/New_York"): "Monday 6 April 2026, 11:00 EDT",
    (BEFORE_US_DST, "Europe/Berlin"): "Saturday 7 March 2026, 16:00 CET",
    (AFTER_US_DST, "Europe/Berlin"): "Monday 9 March 2026, 16:00 CET",
    (AFTER_EU_AND_AU_CHANGES, "Europe/Berlin"): "Monday 6 April 2026, 17:00 CEST",
    (BEFORE_US_DST, "Asia/Kolkata"): "Saturday 7 March 2026, 20:30 IST",
    (AFTER_US_DST, "Asia/Kolkata"): "Monday 9 March 2026, 20:30 IST",
    (AFTER_EU_AND_AU_CHANGES, "Asia/Kolkata"): "Monday 6 April 2026, 20:30 IST",
    (BEFORE_US_DST, "Asia/Kathmandu"): "Saturday 7 March 2026, 20:45 UTC+05:45",
    (AFTER_US_DST, "Asia/Kathmandu"): "Monday 9 March 2026, 20:45 UTC+05:45",
    (AFTER_EU_AND_AU_CHANGES, "Asia/Kathmandu"): "Monday 6 April 2026, 20:45 UTC+05:45",
    (BEFORE_US_DST, "Australia/Adelaide"): "Sunday 8 March 2026, 01:30 ACDT",
    (AFTER_US_DST, "Australia/Adelaide"): "Tuesday 10 March 2026, 01:30 ACDT",
    (AFTER_EU_AND_AU_CHANGES, "Australia/Adelaide"): "Tuesday 7 April 2026, 00:30 ACST",
}
ZONES = sorted({zone for _, zone in EXPECTED})
INSTANTS = [BEFORE_US_DST, AFTER_US_DST, AFTER_EU_AND_AU_CHANGES]


def sample_values(kind: str, when: datetime) -> dict[str, Any]:
    """A value of the right type for every variable the kind declares."""
    samples = {
        "text": "Tom & <Jerry> *bold*",
        "url": "https://example.org/x?a=1&b=2",
        "time": when,
        "weekly": when,
        "date": date(2026, 3, 2),
        "list": ["Risks from AI", "Goals & values"],
        "mention": Mention("Dee", "123456789012345678"),
        "mentions": [Mention("Dee", "123456789012345678"), Mention("Eli *x*")],
    }
    spec = CATALOGUE.kind(kind)
    values = {name: samples[vtype] for name, vtype in spec.variables.items()}
    return {**values, "name": "Ada", "app_url": "https://roundtable.example"}


def test_the_catalogue_file_loads_with_every_kind_the_system_sends() -> None:
    assert set(load_catalogue().kinds) == {
        "welcome",
        "group_assigned",
        "member_joined",
        "meeting_reminder_24h",
        "meeting_reminder_1h",
        "module_nudge_3d",
        "facilitator_digest",
        "low_attendance_alert",
        "meeting_changed",
        "removed_from_group",
        "member_left",
        "guest_visit_booked",
        "guest_visit_cancelled",
        "group_cancelled",
        "meeting_feedback",
    }


@pytest.mark.parametrize("kind", sorted(CATALOGUE.kinds))
@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("when", INSTANTS, ids=["before-us-dst", "after-us-dst", "april"])
def test_every_kind_renders_times_in_the_readers_zone(kind: str, zone: str, when: datetime) -> None:
    spec = CATALOGUE.kind(kind)
    values = sample_values(kind, when)
    has_time = "time" in spec.variables.values()
    if "email" in spec.channels:
        email = CATALOGUE.render_email(kind, values, zone, "https://roundtable.example/u")
        for part in (email.subject, email.text, email.html):
            assert "{" not in part and "}" not in part
        assert "https://roundtable.example/u" in email.text
        if has_time:
            assert EXPECTED[(when, zone)] in email.text
            assert EXPECTED[(when, zone)] in email.html
    if "discord_dm" in spec.channels:
        dm = CATALOGUE.render(kind, "discord_dm", values, zone)
        if has_time:
            assert EXPECTED[(when, zone)] in dm
    if "discord_channel" in spec.channels:
        channel_values = {k: v for k, v in values.items() if k != "name"}
        post = CATALOGUE.render(kind, "discord_channel", channel_values, zone)
        if has_time:
            assert f"<t:{int(when.timestamp())}:F>" in post
            assert EXPECTED[(when, zone)] not in post


def test_weekly_times_show_the_weekday_and_time_in_the_readers_zone() -> None:
    values = sample_values("group_assigned", AFTER_US_DST)
    assert "Tuesdays at 01:30 ACDT" in CATALOGUE.render(
        "group_assigned", "discord_dm", values, "Australia/Adelaide"
    )
    assert "Mondays at 11:00 EDT" in CATALOGUE.render(
        "group_assigned", "discord_dm", values, "America/New_York"
    )


def test_values_are_escaped_for_html_and_discord_markdown() -> None:
    values = sample_values("removed_from_group", AFTER_US_DST)
    email = CATALOGUE.render_email("removed_from_group", values, "UTC", "https://x.example/u")
    assert "Tom &amp; &lt;Jerry&gt;" in email.html and "<Jerry>" not in email.html
    assert "Tom & <Jerry> *bold*" in email.text
    dm = CATALOGUE.render("removed_from_group", "discord_dm", values, "UTC")
    assert r"Tom & <Jerry> \*bold\*" in dm


def test_lists_render_as_bullets_in_each_medium() -> None:
    values = sample_values("module_nudge_3d", AFTER_US_DST)
    email = CATALOGUE.render_email("module_nudge_3d", values, "UTC", "https://x.example/u")
    assert "  - Risks from AI\n  - Goals & values" in email.text
    assert "<ul><li>Risks from AI</li><li>Goals &amp; values</li></ul>" in email.html
    assert "• Risks from AI\n• Goals & values" in CATALOGUE.render(
        "module_nudge_3d", "discord_dm", values, "UTC"
    )


def test_a_mention_pings_in_discord_and_is_a_name_elsewhere() -> None:
    values = {k: v for k, v in sample_values("member_joined", AFTER_US_DST).items() if k != "name"}
    post = CATALOGUE.render("member_joined", "discord_channel", values, None)
    assert "<@123456789012345678>" in post


def test_a_group_post_reminder_pings_its_members_on_a_line_of_their_own() -> None:
    values = {
        k: v for k, v in sample_values("meeting_reminder_1h", AFTER_US_DST).items() if k != "name"
    }
    post = CATALOGUE.render("meeting_reminder_1h", "discord_channel", values, None)
    assert post.splitlines()[-1] == r"<@123456789012345678> Eli \*x\*"
    plain = CATALOGUE.render(
        "meeting_reminder_1h", "discord_channel", {**values, "members": []}, None
    )
    assert plain == post.splitlines()[0]


def test_placeholders_become_substitution_tags_filled_per_recipient() -> None:
    values = {**sample_values("welcome", AFTER_US_DST), "name": Placeholder("name")}
    email = CATALOGUE.render_email("welcome", values, "UTC", Placeholder("unsubscribe_url"))
    tags = substitutions({"name": "Ana <3", "unsubscribe_url": "https://x.example/u?t=1&k=2"})
    filled_html = email.html
    for tag, value in tags.items():
        filled_html = filled_html.replace(tag, value)
    assert "Hi Ana &lt;3," in filled_html
    assert 'href="https://x.example/u?t=1&amp;k=2"' in filled_html
    assert "%rt_name%" in email.text and "%rt_name_html%" in email.html


# -- mistakes fail loudly -------------------------------------------------------------
_LAYOUT = """
layout:
  email_text: "{body} {unsubscribe_url}"
  email_html: "{body} {unsubscribe_url}"
globals:
  name: text
  app_url: url
"""


def _catalogue(kinds: str) -> str:
    return _LAYOUT + "kinds:\n" + kinds


def test_a_template_using_an_undeclared_variable_is_refused_naming_kind_template_and_variable() -> (
    None
):
    text = _catalogue("""
  meeting_reminder_1h:
    variables: {meeting_time: time}
    discord_dm: "Starts {meeting_tme}"
""")
    with pytest.raises(CatalogueError, match=r"meeting_reminder_1h.*discord_dm.*\{meeting_tme\}"):
        parse_catalogue(text)


@pytest.mark.parametrize(
    ("kinds", "message"),
    [
        ('  k:\n    variables: {when: hour}\n    discord_dm: "{when}"\n', "type 'hour'"),
        ('  k:\n    subject: "S"\n    email_text: "T"\n', "subject, email_text and email_html"),
        ('  k:\n    discord_channel: "Hi {name}"\n', r"uses \{name\}"),
        ('  k:\n    variables: {t: time}\n    discord_dm: "{t:%H}"\n', "plain"),
        ('  k:\n    variables: {t: time}\n    discord_dm: "{t.hour}"\n', "plain"),
        ("  k:\n    variables: {t: time}\n", "no templates"),
        ('  k:\n    discord_dm: "x"\n    sms: "x"\n', "unknown keys: sms"),
        ('  k:\n    variables: {name: text}\n    discord_dm: "x"\n', "redeclares"),
        ('  k:\n    discord_dm: "unbalanced {"\n', "literal braces"),
    ],
)
def test_malformed_catalogues_are_refused_with_the_reason(kinds: str, message: str) -> None:
    with pytest.raises(CatalogueError, match=message):
        parse_catalogue(_catalogue(kinds))


_OPTIONAL_KIND = """
  k:
    variables: {invite: url, group_name: text}
    optional:
      invite:
        email_text: "Join {group_name} here: {invite}"
        email_html: '<p>Join {group_name} <a href="{invite}">here</a>.</p>'
    subject: "Hello {group_name}"
    email_text: "Hi {name}."
    email_html: "<p>Hi {name}.</p>"
    discord_dm: "Hi {name}."
"""
_OPTIONAL = parse_catalogue(_catalogue(_OPTIONAL_KIND))
_OPTIONAL_VALUES = {"name": "Ada <3", "app_url": "https://r.example", "group_name": "A & B"}


def test_an_optional_paragraph_follows_the_message_escaped_for_each_medium() -> None:
    values = {**_OPTIONAL_VALUES, "invite": "https://discord.gg/x?a=1&b=2"}
    assert _OPTIONAL.render("k", "email_text", values, "UTC") == (
        "Hi Ada <3.\n\nJoin A & B here: https://discord.gg/x?a=1&b=2"
    )
    assert _OPTIONAL.render("k", "email_html", values, "UTC") == (
        "<p>Hi Ada &lt;3.</p>\n\n"
        '<p>Join A &amp; B <a href="https://discord.gg/x?a=1&amp;b=2">here</a>.</p>'
    )
    assert _OPTIONAL.render("k", "discord_dm", values, "UTC") == "Hi Ada <3."  # no DM paragraph


@pytest.mark.parametrize("empty", [None, ""])
def test_an_optional_paragraph_is_left_out_when_its_variable_is_empty(empty: str | None) -> None:
    values = {**_OPTIONAL_VALUES, "invite": empty}
    assert _OPTIONAL.render("k", "email_text", values, "UTC") == "Hi Ada <3."
    assert _OPTIONAL.render("k", "email_html", values, "UTC") == "<p>Hi Ada &lt;3.</p>"


def test_an_optional_variable_left_out_is_empty_and_a_paragraph_without_values_fails() -> None:
    assert _OPTIONAL.render("k", "email_text", _OPTIONAL_VALUES, "UTC") == "Hi Ada <3."
    values = {"name": "Ada", "app_url": "u", "invite": "https://discord.gg/x"}
    with pytest.raises(CatalogueError, match="needs values for: group_name"):
        _OPTIONAL.render("k", "email_text", values, "UTC")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("optional:\n      invite:", "optional:\n      app_url:"), "'app_url' is not one of"),
        (('email_text: "Join', 'subject: "Join'), "needs paragraphs for some of"),
        (('email_text: "Hi {name}."', 'email_text: "Hi {invite}."'), r"may be empty"),
        (("here: {invite}", "here: {invte}"), r"optional invite email_text uses \{invte\}"),
        (("      invite:\n        email_text", "      invite: x\n      y:\n        e"), "some"),
    ],
)
def test_malformed_optional_paragraphs_are_refused_with_the_reason(
    change: tuple[str, str], message: str
) -> None:
    old, new = change
    assert old in _OPTIONAL_KIND
    with pytest.raises(CatalogueError, match=message):
        parse_catalogue(_catalogue(_OPTIONAL_KIND.replace(old, new, 1)))


def test_the_welcome_email_invites_to_discord_only_with_an_invite() -> None:
    invited = {**sample_values("welcome", AFTER_US_DST), "discord_invite": "https://discord.gg/rt"}
    email = CATALOGUE.render_email("welcome", invited, "UTC", "https://r.example/u")
    assert "Join it here: https://discord.gg/rt" in email.text
    assert '<a href="https://discord.gg/rt">join the server</a>' in email.html
    plain = CATALOGUE.render_email(
        "welcome", {**invited, "discord_invite": None}, "UTC", "https://r.example/u"
    )
    assert "discord.gg" not in plain.text + plain.html
    assert "Discord server" not in plain.text + plain.html


def test_a_layout_using_an_unknown_field_is_refused() -> None:
    text = _catalogue('  k:\n    discord_dm: "x"\n').replace(
        "{unsubscribe_url}", "{unsubscribe}", 1
    )
    with pytest.raises(CatalogueError, match=r"layout email_text uses \{unsubscribe\}"):
        parse_catalogue(text)


def test_rendering_without_a_declared_value_names_the_missing_variable() -> None:
    with pytest.raises(CatalogueError, match="needs values for: meeting_time"):
        CATALOGUE.render(
            "meeting_reminder_1h",
            "discord_dm",
            {
                "name": "Ada",
                "app_url": "u",
                "group_name": "G",
                "meeting_number": "1",
                "channel_url": "u",
            },
            "UTC",
        )


def test_rendering_with_an_undeclared_value_is_refused() -> None:
    values = {**sample_values("removed_from_group", AFTER_US_DST), "meeting_time": AFTER_US_DST}
    with pytest.raises(CatalogueError, match="does not declare variables: meeting_time"):
        CATALOGUE.render("removed_from_group", "discord_dm", values, "UTC")


def test_an_unknown_kind_is_named_with_the_known_ones() -> None:
    with pytest.raises(CatalogueError, match="unknown notification kind 'postcard'.*welcome"):
        CATALOGUE.kind("postcard")
