"""Settings for the web benchmark's server: PowerKAM's own, plus a bare view to compare against."""

from powerkam.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.web_urls"
