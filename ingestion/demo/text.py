"""Mention text templates a lexicon scorer (VADER) reads the way a human would.

Positive and negative templates each carry at least one strong lexicon word (love,
great, amazing / terrible, awful, worst...), never a negation in front of it; neutral
templates avoid sentiment-bearing words, numbers and emoticons the lexicon scores.
`{b}` is the primary brand, `{o}` the other brand of a two-brand mention.
"""

from __future__ import annotations

from enum import IntEnum

from ingestion.brands import Brand


class Tone(IntEnum):
    """Sentiment a mention is written with."""

    POSITIVE = 0
    NEUTRAL = 1
    NEGATIVE = 2


class Story(IntEnum):
    """Which storyline a mention belongs to."""

    EVERYDAY = 0
    CRISIS = 1  # outage / breach / refund
    LAUNCH = 2  # launch / new release


SINGLE: dict[Tone, tuple[str, ...]] = {
    Tone.POSITIVE: (
        "I love {b}, the new dashboard is amazing",
        "{b} is great for our weekly reporting. Really happy with it",
        "Shoutout to the {b} team, onboarding was excellent",
        "Honestly {b} keeps getting better. Best tool we adopted this year",
        "{b} made our analytics so much faster. Awesome work",
        "Big fan of {b}. The alerts are fantastic",
        "Our team is glad we picked {b}, wonderful experience so far",
        "{b} just works. Great product and a brilliant team behind it",
    ),
    Tone.NEUTRAL: (
        "Anyone using {b} for reporting at scale?",
        "{b} announced a webinar for next Tuesday",
        "Reading the {b} docs on data exports this morning",
        "Our team is evaluating {b} this quarter",
        "What does {b} use for its storage layer?",
        "Meeting with the {b} sales team on Thursday",
        "{b} published a pricing page update today",
        "Has anyone migrated their dashboards to {b} yet?",
    ),
    Tone.NEGATIVE: (
        "{b} is terrible lately, the app keeps crashing",
        "Really disappointed with {b}. Reports take forever to load",
        "I hate the new {b} pricing. Awful change for small teams",
        "{b} is the worst, wasted a whole day on a sync job",
        "Frustrated with {b} again. Horrible experience",
        "{b} billing is a mess and I want a refund. Terrible",
        "Dashboards in {b} broke again today. Angry and done with it",
    ),
}

PAIR: dict[Tone, tuple[str, ...]] = {
    Tone.POSITIVE: (
        "Switched from {o} to {b} last month and we love it",
        "{b} is way better than {o} for dashboards. Great call by our team",
        "Tried {o} and {b} side by side, {b} is amazing",
    ),
    Tone.NEUTRAL: (
        "Comparing {b} and {o} pricing for a team of 20",
        "{b} vs {o}: which one handles event data at scale?",
        "Our analysts use {b} and {o} for different reports",
    ),
    Tone.NEGATIVE: (
        "{b} is terrible compared to {o}, thinking about switching",
        "Moving from {b} to {o} after another awful month",
        "Why is {b} so much worse than {o}? Frustrated",
    ),
}

CRISIS: tuple[str, ...] = (
    "{b} outage again?! Everything is down. This is terrible",
    "The {b} data breach is a disaster. Who approved this?",
    "Still waiting on my refund from {b} after the outage. Awful",
    "{b} down for hours, worst outage I have seen. Angry customers everywhere",
    "Lost a full day of dashboards in the {b} outage. Horrible",
    "Asking {b} for a refund after this breach. Hate how they handled it",
    "{b} breach notice just landed in my inbox. This is terrible",
    "Cancelling {b} and asking for a full refund after the outage. Disappointed",
)

LAUNCH: tuple[str, ...] = (
    "{b} launch today looks amazing! Love the new release",
    "Just tried the new release from {b}. Great work",
    "The {b} launch is impressive, the new features are excellent",
    "Congrats to {b} on the launch. Awesome features",
    "{b} new release is fantastic, love it",
    "Watched the {b} launch stream. Brilliant new release",
)

# Appended now and then; none collides with a tracked brand's hashtag.
TOPIC_TAGS: tuple[str, ...] = ("#analytics", "#SaaS", "#dataengineering", "#BI", "#startups")


def templates_for(tone: Tone, story: Story, pair: bool) -> tuple[str, ...]:
    """Return the templates a mention with this tone/story/brand count draws from.

    Story templates name one brand; a storyline mention with a second brand falls back
    to the everyday pair templates.
    """
    if not pair and story is Story.CRISIS and tone is Tone.NEGATIVE:
        return CRISIS
    if not pair and story is Story.LAUNCH and tone is Tone.POSITIVE:
        return LAUNCH
    return (PAIR if pair else SINGLE)[tone]


def brand_reference(brand: Brand, u: float) -> str:
    """Return how a post names `brand` for a uniform u: mostly the name, sometimes an
    alias, sometimes a hashtag (each only if the brand has one)."""
    if u < 0.20 and brand.aliases:
        return brand.aliases[int(u / 0.20 * len(brand.aliases))]
    if u > 0.85 and brand.hashtags:
        return "#" + brand.hashtags[int((u - 0.85) / 0.15 * len(brand.hashtags))].lstrip("#")
    return brand.name


def render(template: str, brand: str, other: str = "") -> str:
    """Return `template` with the brand references filled in."""
    return template.format(b=brand, o=other)
