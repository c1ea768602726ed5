package loader

import (
	"fmt"
	"net/netip"
	"sort"

	"github.com/oschwald/maxminddb-golang/v2"

	"github.com/orgsiem/orgsiem/internal/ecs"
)

// GeoIP adds source.geo and source.as to documents whose source.ip is a
// public address, from MaxMind databases (GeoLite2/GeoIP2 City or Country,
// and ASN; any database whose records use those field names). Each database
// is read in turn and what it knows is merged, so a City and an ASN
// database together fill both objects. Lookups are safe for concurrent use.
type GeoIP struct {
	dbs []*maxminddb.Reader
}

// geoRecord holds the MaxMind fields we copy (City/Country and ASN
// database record layouts).
type geoRecord struct {
	Country struct {
		ISOCode string            `maxminddb:"iso_code"`
		Names   map[string]string `maxminddb:"names"`
	} `maxminddb:"country"`
	City struct {
		Names map[string]string `maxminddb:"names"`
	} `maxminddb:"city"`
	Location struct {
		Latitude  *float64 `maxminddb:"latitude"`
		Longitude *float64 `maxminddb:"longitude"`
	} `maxminddb:"location"`
	ASN          int64  `maxminddb:"autonomous_system_number"`
	Organization string `maxminddb:"autonomous_system_organization"`
}

// OpenGeoIP opens the databases held in memory (as fetched from S3), keyed
// by name; they are consulted in name order. A database that does not open
// is an error naming it.
func OpenGeoIP(dbs map[string][]byte) (*GeoIP, error) {
	g := &GeoIP{}
	names := make([]string, 0, len(dbs))
	for name := range dbs {
		names = append(names, name)
	}
	sort.Strings(names) // later databases win on overlapping fields
	for _, name := range names {
		r, err := maxminddb.OpenBytes(dbs[name])
		if err != nil {
			return nil, fmt.Errorf("geoip database %s: %w", name, err)
		}
		g.dbs = append(g.dbs, r)
	}
	return g, nil
}

// Enrich sets d.Source.Geo and d.Source.AS when source.ip is a public
// address a database knows. It reports an error only for a database that
// cannot be decoded; an address no database knows is not an error.
func (g *GeoIP) Enrich(d *ecs.Document) error {
	if g == nil || len(g.dbs) == 0 || d.Source.IP == "" {
		return nil
	}
	ip, err := netip.ParseAddr(d.Source.IP)
	if err != nil {
		return nil
	}
	if ip = ip.Unmap(); !public(ip) {
		return nil
	}
	var geo ecs.Geo
	var as ecs.AS
	for _, db := range g.dbs {
		var rec geoRecord
		res := db.Lookup(ip)
		if !res.Found() {
			if err := res.Err(); err != nil {
				return fmt.Errorf("geoip lookup %s: %w", ip, err)
			}
			continue
		}
		if err := res.Decode(&rec); err != nil {
			return fmt.Errorf("geoip record for %s: %w", ip, err)
		}
		if rec.Country.ISOCode != "" {
			geo.CountryISOCode = rec.Country.ISOCode
			geo.CountryName = rec.Country.Names["en"]
		}
		if n := rec.City.Names["en"]; n != "" {
			geo.CityName = n
		}
		if rec.Location.Latitude != nil && rec.Location.Longitude != nil {
			geo.Lat, geo.Lon = *rec.Location.Latitude, *rec.Location.Longitude
		}
		if rec.ASN != 0 {
			as.Number, as.Organization = rec.ASN, rec.Organization
		}
	}
	if geo != (ecs.Geo{}) {
		d.Source.Geo = &geo
	}
	if as != (ecs.AS{}) {
		d.Source.AS = &as
	}
	return nil
}

// public reports whether ip is a globally routable unicast address.
func public(ip netip.Addr) bool {
	return ip.IsValid() && ip.IsGlobalUnicast() && !ip.IsPrivate()
}

// Close releases the databases.
func (g *GeoIP) Close() error {
	for _, db := range g.dbs {
		if err := db.Close(); err != nil {
			return err
		}
	}
	return nil
}
