"""The visitor's country from their IP address, when the host configured a MaxMind database (GeoLite2 or
GeoIP2 Country/City, `GEOIP_DATABASE`). Only the country code is kept, never the address."""

from functools import lru_cache
from ipaddress import ip_address

import maxminddb
from django.conf import settings


@lru_cache(maxsize=1)
def _reader(path: str) -> maxminddb.Reader:
    return maxminddb.open_database(path)


def country_of_ip(ip: str) -> str:
    """ISO 3166 code of the address's country; "" without a database, for private addresses or no match."""
    path = settings.GEOIP_DATABASE
    if not path or not ip:
        return ""
    try:
        address = ip_address(ip)
    except ValueError:
        return ""
    if not address.is_global:
        return ""
    record = _reader(path).get(address)
    country = record.get("country") if isinstance(record, dict) else None
    code = country.get("iso_code") if isinstance(country, dict) else None
    return code if isinstance(code, str) and len(code) == 2 else ""
