"""Where a visitor probably is: the GeoIP country when the host configured a database (visitors.geoip), else
a guess from what the browser tells, its IANA time zone, else its language's region.

For the operator's eyes (and a local phone number's region), never used to decide anything. Common zones are
listed here; any other zone is looked up in the system's zone.tab when it has one.
"""

from functools import lru_cache
from pathlib import Path
from zoneinfo import TZPATH

# ISO 3166 code -> English name, for the countries the zones below and common language tags name.
COUNTRY_NAMES: dict[str, str] = {
    "AE": "United Arab Emirates", "AM": "Armenia", "AR": "Argentina", "AT": "Austria", "AU": "Australia",
    "AZ": "Azerbaijan", "BD": "Bangladesh", "BE": "Belgium", "BG": "Bulgaria", "BR": "Brazil", "BY": "Belarus",
    "CA": "Canada", "CH": "Switzerland", "CL": "Chile", "CN": "China", "CO": "Colombia", "CY": "Cyprus",
    "CZ": "Czechia", "DE": "Germany", "DK": "Denmark", "EE": "Estonia", "EG": "Egypt", "ES": "Spain",
    "FI": "Finland", "FR": "France", "GB": "United Kingdom", "GE": "Georgia", "GR": "Greece", "HK": "Hong Kong",
    "HR": "Croatia", "HU": "Hungary", "ID": "Indonesia", "IE": "Ireland", "IL": "Israel", "IN": "India",
    "IR": "Iran", "IS": "Iceland", "IT": "Italy", "JP": "Japan", "KE": "Kenya", "KG": "Kyrgyzstan",
    "KR": "South Korea", "KZ": "Kazakhstan", "LT": "Lithuania", "LU": "Luxembourg", "LV": "Latvia",
    "MA": "Morocco", "MD": "Moldova", "MN": "Mongolia", "MX": "Mexico", "MY": "Malaysia", "NG": "Nigeria",
    "NL": "Netherlands", "NO": "Norway", "NZ": "New Zealand", "PE": "Peru", "PH": "Philippines",
    "PK": "Pakistan", "PL": "Poland", "PT": "Portugal", "QA": "Qatar", "RO": "Romania", "RS": "Serbia",
    "RU": "Russia", "SA": "Saudi Arabia", "SE": "Sweden", "SG": "Singapore", "SI": "Slovenia",
    "SK": "Slovakia", "TH": "Thailand", "TJ": "Tajikistan", "TM": "Turkmenistan", "TR": "Türkiye",
    "TW": "Taiwan", "UA": "Ukraine", "US": "United States", "UZ": "Uzbekistan", "VE": "Venezuela",
    "VN": "Vietnam", "ZA": "South Africa",
}  # fmt: skip

# Common IANA zones -> ISO 3166 code (aliases included: browsers report either).
ZONE_COUNTRIES: dict[str, str] = {
    "Africa/Cairo": "EG", "Africa/Casablanca": "MA", "Africa/Johannesburg": "ZA", "Africa/Lagos": "NG",
    "Africa/Nairobi": "KE",
    "America/Argentina/Buenos_Aires": "AR", "America/Buenos_Aires": "AR", "America/Bogota": "CO",
    "America/Caracas": "VE", "America/Chicago": "US", "America/Denver": "US", "America/Edmonton": "CA",
    "America/Halifax": "CA", "America/Lima": "PE", "America/Los_Angeles": "US", "America/Mexico_City": "MX",
    "America/New_York": "US", "America/Phoenix": "US", "America/Anchorage": "US", "America/Detroit": "US",
    "America/Santiago": "CL", "America/Sao_Paulo": "BR", "America/Toronto": "CA", "America/Vancouver": "CA",
    "America/Winnipeg": "CA", "Pacific/Honolulu": "US",
    "Asia/Almaty": "KZ", "Asia/Qostanay": "KZ", "Asia/Aqtobe": "KZ", "Asia/Aqtau": "KZ", "Asia/Atyrau": "KZ",
    "Asia/Oral": "KZ", "Asia/Qyzylorda": "KZ", "Asia/Baku": "AZ", "Asia/Bangkok": "TH", "Asia/Bishkek": "KG",
    "Asia/Calcutta": "IN", "Asia/Kolkata": "IN", "Asia/Dhaka": "BD", "Asia/Dubai": "AE", "Asia/Dushanbe": "TJ",
    "Asia/Ho_Chi_Minh": "VN", "Asia/Saigon": "VN", "Asia/Hong_Kong": "HK", "Asia/Jakarta": "ID",
    "Asia/Jerusalem": "IL", "Asia/Tel_Aviv": "IL", "Asia/Karachi": "PK", "Asia/Kuala_Lumpur": "MY",
    "Asia/Manila": "PH", "Asia/Novosibirsk": "RU", "Asia/Qatar": "QA", "Asia/Riyadh": "SA", "Asia/Seoul": "KR",
    "Asia/Shanghai": "CN", "Asia/Singapore": "SG", "Asia/Taipei": "TW", "Asia/Tashkent": "UZ",
    "Asia/Samarkand": "UZ", "Asia/Tbilisi": "GE", "Asia/Tehran": "IR", "Asia/Tokyo": "JP",
    "Asia/Ulaanbaatar": "MN", "Asia/Ashgabat": "TM", "Asia/Yekaterinburg": "RU", "Asia/Omsk": "RU",
    "Asia/Krasnoyarsk": "RU", "Asia/Irkutsk": "RU", "Asia/Vladivostok": "RU", "Asia/Yerevan": "AM",
    "Atlantic/Reykjavik": "IS",
    "Australia/Adelaide": "AU", "Australia/Brisbane": "AU", "Australia/Melbourne": "AU", "Australia/Perth": "AU",
    "Australia/Sydney": "AU", "Pacific/Auckland": "NZ",
    "Europe/Amsterdam": "NL", "Europe/Athens": "GR", "Europe/Belgrade": "RS", "Europe/Berlin": "DE",
    "Europe/Bratislava": "SK", "Europe/Brussels": "BE", "Europe/Bucharest": "RO", "Europe/Budapest": "HU",
    "Europe/Chisinau": "MD", "Europe/Copenhagen": "DK", "Europe/Dublin": "IE", "Europe/Helsinki": "FI",
    "Europe/Istanbul": "TR", "Europe/Kiev": "UA", "Europe/Kyiv": "UA", "Europe/Lisbon": "PT",
    "Europe/Ljubljana": "SI", "Europe/London": "GB", "Europe/Luxembourg": "LU", "Europe/Madrid": "ES",
    "Europe/Minsk": "BY", "Europe/Moscow": "RU", "Europe/Nicosia": "CY", "Europe/Oslo": "NO", "Europe/Paris": "FR",
    "Europe/Prague": "CZ", "Europe/Riga": "LV", "Europe/Rome": "IT", "Europe/Samara": "RU", "Europe/Sofia": "BG",
    "Europe/Stockholm": "SE", "Europe/Tallinn": "EE", "Europe/Vienna": "AT", "Europe/Vilnius": "LT",
    "Europe/Warsaw": "PL", "Europe/Zagreb": "HR", "Europe/Zurich": "CH",
}  # fmt: skip


@lru_cache(maxsize=1)
def _zone_tab() -> dict[str, str]:
    """The system's zone.tab (zone -> ISO code), empty when there is none."""
    for base in TZPATH:
        path = Path(base) / "zone.tab"
        if path.is_file():
            rows = (line.split("\t") for line in path.read_text(encoding="utf-8").splitlines())
            return {parts[2]: parts[0] for parts in rows if len(parts) >= 3 and not parts[0].startswith("#")}
    return {}


def country_code(time_zone: str, language: str = "") -> str | None:
    """ISO 3166 code guessed from the time zone, else from the region of the language tag (en-GB -> GB)."""
    code = ZONE_COUNTRIES.get(time_zone) or (_zone_tab().get(time_zone) if time_zone else None)
    if code:
        return code
    parts = language.replace("_", "-").split("-")
    region = next((p for p in parts[1:] if len(p) == 2 and p.isalpha()), None)
    return region.upper() if region else None


def country_name(time_zone: str, language: str = "", known: str = "") -> str:
    """A country's name for the operator: the `known` code (GeoIP) else the browser's hints; "" for none."""
    code = known or country_code(time_zone, language)
    return COUNTRY_NAMES.get(code, code) if code else ""
