package scenario

import (
	"fmt"
	"math/rand/v2"
)

// city is a city with the range of its postal codes (the numeric part).
type city struct {
	name   string
	lo, hi int
}

// placeInfo is what addresses in a country are made of.
type placeInfo struct {
	cities  []city
	streets []string
	// numberFirst: the house number precedes the street ("12 rue X").
	numberFirst bool
	port        string // main seaport or hub, for narratives
}

var places = map[string]placeInfo{
	"NL": {cities: []city{{"Amsterdam", 1011, 1109}, {"Rotterdam", 3011, 3089}, {"Den Haag", 2511, 2597}, {"Utrecht", 3511, 3585}, {"Eindhoven", 5611, 5658}, {"Tilburg", 5011, 5049}, {"Breda", 4811, 4839}, {"Almere", 1312, 1365}},
		streets: []string{"Coolsingel", "Kalverstraat", "Damrak", "Laan van Meerdervoort", "Westblaak", "Oudegracht", "Stationsplein", "Kerkstraat", "Dorpsstraat", "Molenweg", "Havenstraat", "Julianalaan"}, port: "Rotterdam"},
	"DE": {cities: []city{{"Berlin", 10115, 14199}, {"Hamburg", 20095, 22769}, {"München", 80331, 81929}, {"Köln", 50667, 51149}, {"Frankfurt am Main", 60306, 60599}, {"Düsseldorf", 40210, 40629}, {"Duisburg", 47051, 47279}, {"Bremen", 28195, 28779}},
		streets: []string{"Hauptstraße", "Bahnhofstraße", "Schillerstraße", "Goethestraße", "Berliner Straße", "Hafenstraße", "Lindenstraße", "Gartenstraße", "Industriestraße", "Kaiserstraße"}, port: "Hamburg"},
	"FR": {cities: []city{{"Paris", 75001, 75020}, {"Marseille", 13001, 13016}, {"Lyon", 69001, 69009}, {"Lille", 59000, 59800}, {"Toulouse", 31000, 31500}, {"Nice", 6000, 6300}, {"Le Havre", 76600, 76620}, {"Grenoble", 38000, 38100}},
		streets: []string{"rue de la République", "avenue Jean Jaurès", "boulevard Victor Hugo", "rue Pasteur", "rue de la Gare", "avenue de la Libération", "rue du Port", "chemin des Vignes", "rue Émile Zola", "quai de la Joliette"}, numberFirst: true, port: "Le Havre"},
	"BE": {cities: []city{{"Antwerpen", 2000, 2660}, {"Bruxelles", 1000, 1210}, {"Gent", 9000, 9052}, {"Liège", 4000, 4032}, {"Charleroi", 6000, 6061}},
		streets: []string{"Rue Neuve", "Meir", "Kerkstraat", "Avenue Louise", "Stationsstraat", "Rue du Midi", "Havenlaan", "Nieuwstraat"}, port: "Antwerp"},
	"ES": {cities: []city{{"Madrid", 28001, 28055}, {"Barcelona", 8001, 8042}, {"Málaga", 29001, 29018}, {"Algeciras", 11201, 11207}, {"Valencia", 46001, 46026}, {"Marbella", 29600, 29604}},
		streets: []string{"Calle Mayor", "Gran Vía", "Calle Real", "Avenida de Andalucía", "Paseo Marítimo", "Calle del Puerto", "Avenida de la Constitución", "Calle Nueva"}, port: "Algeciras"},
	"IT": {cities: []city{{"Roma", 118, 199}, {"Milano", 20121, 20162}, {"Napoli", 80121, 80147}, {"Torino", 10121, 10156}, {"Gioia Tauro", 89013, 89013}, {"Genova", 16121, 16167}},
		streets: []string{"Via Roma", "Via Garibaldi", "Corso Vittorio Emanuele II", "Via Mazzini", "Via del Porto", "Via Dante", "Via Cavour", "Via Verdi"}, port: "Gioia Tauro"},
	"PL": {cities: []city{{"Warszawa", 1, 4999}, {"Kraków", 30001, 31999}, {"Łódź", 90001, 94999}, {"Wrocław", 50001, 54999}, {"Gdańsk", 80001, 80999}},
		streets: []string{"ul. Marszałkowska", "ul. Długa", "ul. Mickiewicza", "ul. Słowackiego", "ul. Portowa", "ul. Kościuszki", "ul. Polna", "ul. Lipowa"}, port: "Gdańsk"},
	"RO": {cities: []city{{"București", 10011, 62999}, {"Cluj-Napoca", 400001, 400999}, {"Timișoara", 300001, 300999}, {"Constanța", 900001, 900999}, {"Iași", 700001, 700999}},
		streets: []string{"Strada Victoriei", "Bulevardul Unirii", "Strada Mihai Eminescu", "Strada Portului", "Strada Libertății", "Strada Florilor"}, port: "Constanța"},
	"BG": {cities: []city{{"Sofia", 1000, 1799}, {"Plovdiv", 4000, 4099}, {"Varna", 9000, 9099}, {"Burgas", 8000, 8099}},
		streets: []string{"ul. Vasil Levski", "bul. Vitosha", "ul. Rakovski", "ul. Pristanishtna", "bul. Bulgaria", "ul. Shipka"}, port: "Burgas"},
	"GR": {cities: []city{{"Athina", 10431, 11745}, {"Thessaloniki", 54621, 56430}, {"Peiraias", 18531, 18548}, {"Patra", 26221, 26500}},
		streets: []string{"Odos Ermou", "Leoforos Syngrou", "Odos Egnatia", "Akti Miaouli", "Odos Athinas", "Leoforos Kifisias"}, port: "Piraeus"},
	"RU": {cities: []city{{"Moskva", 101000, 129999}, {"Sankt-Peterburg", 190000, 199406}, {"Yekaterinburg", 620000, 620999}, {"Kaliningrad", 236000, 236999}},
		streets: []string{"ulitsa Lenina", "prospekt Mira", "ulitsa Gagarina", "Nevsky prospekt", "ulitsa Sovetskaya", "ulitsa Pushkina"}, port: "St Petersburg"},
	"UA": {cities: []city{{"Kyiv", 1001, 4999}, {"Odesa", 65000, 65125}, {"Kharkiv", 61000, 61204}, {"Lviv", 79000, 79071}},
		streets: []string{"vulytsia Khreshchatyk", "vulytsia Shevchenka", "prospekt Peremohy", "vulytsia Derybasivska", "vulytsia Franka"}, port: "Odesa"},
	"RS": {cities: []city{{"Beograd", 11000, 11283}, {"Novi Sad", 21000, 21138}, {"Niš", 18000, 18116}},
		streets: []string{"Knez Mihailova", "Bulevar kralja Aleksandra", "Nemanjina", "Takovska", "Bulevar oslobođenja"}, port: "Belgrade"},
	"TR": {cities: []city{{"İstanbul", 34000, 34990}, {"Ankara", 6000, 6980}, {"İzmir", 35000, 35990}, {"Mersin", 33000, 33960}, {"Antalya", 7000, 7985}},
		streets: []string{"İstiklal Caddesi", "Atatürk Bulvarı", "Cumhuriyet Caddesi", "Liman Caddesi", "Bağdat Caddesi", "Fevzi Çakmak Sokak"}, port: "Mersin"},
	"MA": {cities: []city{{"Casablanca", 20000, 20640}, {"Tanger", 90000, 90100}, {"Rabat", 10000, 10220}, {"Nador", 62000, 62020}, {"Marrakech", 40000, 40150}},
		streets: []string{"Boulevard Mohammed V", "Avenue Hassan II", "Rue Ibn Batouta", "Boulevard Zerktouni", "Avenue des FAR", "Rue du Port"}, numberFirst: true, port: "Tanger Med"},
	"DZ": {cities: []city{{"Alger", 16000, 16130}, {"Oran", 31000, 31130}, {"Constantine", 25000, 25120}},
		streets: []string{"Rue Didouche Mourad", "Boulevard Mohamed V", "Rue Larbi Ben M'hidi", "Boulevard de l'ALN", "Rue Hassiba Ben Bouali"}, numberFirst: true, port: "Oran"},
	"AL": {cities: []city{{"Tiranë", 1001, 1057}, {"Durrës", 2001, 2017}, {"Vlorë", 9401, 9402}},
		streets: []string{"Rruga e Durrësit", "Rruga Myslym Shyri", "Bulevardi Dëshmorët e Kombit", "Rruga e Kavajës", "Rruga Taulantia"}, port: "Durrës"},
	"GB": {cities: []city{{"London", 1, 20}, {"Manchester", 1, 40}, {"Liverpool", 1, 37}, {"Birmingham", 1, 76}, {"Dover", 16, 17}},
		streets: []string{"High Street", "Station Road", "Church Street", "Victoria Road", "Mill Lane", "Park Road", "Dock Road", "King Street"}, numberFirst: true, port: "Felixstowe"},
	"US": {cities: []city{{"Miami, FL", 33101, 33299}, {"New York, NY", 10001, 10292}, {"Houston, TX", 77001, 77299}, {"Los Angeles, CA", 90001, 90099}},
		streets: []string{"Main Street", "Ocean Drive", "Broadway", "5th Avenue", "Washington Street", "Collins Avenue", "Elm Street"}, numberFirst: true, port: "Miami"},
}

// gbOutward is the letter part of the outward postcode of each British city.
var gbOutward = map[string]string{"London": "SE", "Manchester": "M", "Liverpool": "L", "Birmingham": "B", "Dover": "CT"}

// postalCode formats a postal code of city c in the country's layout.
func postalCode(r *rand.Rand, country string, c city) string {
	n := c.lo + r.IntN(c.hi-c.lo+1)
	switch country {
	case "NL": // 1234 AB; SA, SD and SS are not issued
		for {
			l := chars(r, upper, 2)
			if l != "SA" && l != "SD" && l != "SS" {
				return fmt.Sprintf("%04d %s", n, l)
			}
		}
	case "BE", "BG", "AL":
		return fmt.Sprintf("%04d", n)
	case "PL":
		return fmt.Sprintf("%02d-%03d", n/1000, n%1000)
	case "RO", "RU":
		return fmt.Sprintf("%06d", n)
	case "GR":
		return fmt.Sprintf("%03d %02d", n/100, n%100)
	case "GB": // outward code, inward digit and two letters (no C I K M O V)
		return fmt.Sprintf("%s%d %d%s", gbOutward[c.name], n, r.IntN(10), chars(r, "ABDEFGHJLNPQRSTUWXYZ", 2))
	default:
		return fmt.Sprintf("%05d", n)
	}
}

// postalAddress is a street address.
type postalAddress struct {
	street, postalCode, city, country string
}

// full writes the address as a letter would: street line, then postal code
// and city (London style "City Postcode" for GB and US).
func (a postalAddress) full() string {
	switch a.country {
	case "GB", "US":
		return a.street + ", " + a.city + " " + a.postalCode
	}
	return a.street + ", " + a.postalCode + " " + a.city
}

func randomAddress(r *rand.Rand, country string) postalAddress {
	p := places[country]
	c := pick(r, p.cities)
	street := pick(r, p.streets)
	num := fmt.Sprint(1 + r.IntN(180))
	if r.IntN(8) == 0 {
		num += chars(r, "abc", 1)
	}
	line := street + " " + num
	if p.numberFirst {
		line = num + " " + street
	}
	return postalAddress{street: line, postalCode: postalCode(r, country, c), city: c.name, country: country}
}
