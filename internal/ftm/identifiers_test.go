package ftm

import (
	"reflect"
	"testing"
)

func TestIdentifierKeys(t *testing.T) {
	tests := []struct {
		name string
		e    Entity
		want []IdentifierKey
	}{
		{"passport with country", Entity{Schema: "Passport", Properties: map[string][]string{
			"number": {"c01x-00t47"}, "passportNumber": {"C01X00T47"}, "country": {"DE"}}},
			[]IdentifierKey{{KindPassport, "C01X00T47", "de"}}},
		{"identification", Entity{Schema: "Identification", Properties: map[string][]string{
			"number": {"T22.000.129"}, "country": {"de", "at"}}},
			[]IdentifierKey{{KindID, "T22000129", ""}}}, // two countries: none stated
		{"person", Entity{Schema: "Person", Properties: map[string][]string{
			"passportNumber": {"75 1234567"}, "idNumber": {"AB-123"}, "phone": {"030 1234567", "+33 6 12 34 56 78"},
			"email": {"Ivan.Petrov@Example.ORG"}, "nationality": {"de"}, "name": {"Ivan"}}},
			[]IdentifierKey{{KindEmail, "ivan.petrov@example.org", ""}, {KindID, "AB123", ""},
				{KindPassport, "751234567", ""}, {KindPhone, "+33612345678", ""}, {KindPhone, "+49301234567", ""}}},
		{"bank account", Entity{Schema: "BankAccount", Properties: map[string][]string{
			"iban": {"DE89 3704 0044 0532 0130 00", "DE89 3704 0044 0532 0130 01"}}}, // second is invalid
			[]IdentifierKey{{KindIBAN, "DE89370400440532013000", "de"}}},
		{"car plate and VIN", Entity{Schema: "Vehicle", Properties: map[string][]string{
			"registrationNumber": {"B-AB 1234", "WVWZZZ1JZXW000001"}, "country": {"de"}}},
			[]IdentifierKey{{KindPlate, "BAB1234", "de"}, {KindVIN, "WVWZZZ1JZXW000001", ""}}},
		{"vessel", Entity{Schema: "Vessel", Properties: map[string][]string{
			"imoNumber": {"IMO 9074729", "IMO 9074728"}, "mmsi": {"211 331 640"}, "registrationNumber": {"HH-123"},
			"callSign": {"DKBW"}, "flag": {"de"}}},
			[]IdentifierKey{{KindCallSign, "DKBW", "de"}, {KindIMO, "9074729", ""}, {KindMMSI, "211331640", ""},
				{KindVesselReg, "HH123", "de"}}},
		{"airplane", Entity{Schema: "Airplane", Properties: map[string][]string{
			"registrationNumber": {"D-ABYA"}, "serialNumber": {"1234"}}},
			[]IdentifierKey{{KindAircraftReg, "DABYA", ""}, {KindAircraftSerial, "1234", ""}}},
		{"wallet keeps case", Entity{Schema: "CryptoWallet", Properties: map[string][]string{
			"publicKey": {"1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"}}},
			[]IdentifierKey{{KindWallet, "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", ""}}},
		{"company", Entity{Schema: "Company", Properties: map[string][]string{
			"registrationNumber": {"HRB 12345"}, "jurisdiction": {"de"}, "leiCode": {"5299000J2N45DDNE4Y28"},
			"innCode": {"7707083893"}, "vatCode": {"DE 123 456 789"}}},
			[]IdentifierKey{{KindINN, "7707083893", ""}, {KindLEI, "5299000J2N45DDNE4Y28", ""},
				{KindRegistration, "HRB12345", "de"}, {KindVAT, "DE123456789", ""}}},
		{"user account", Entity{Schema: "UserAccount", Properties: map[string][]string{
			"email": {"x@example.org"}, "ipAddress": {"2001:DB8::1"}, "number": {"+44 20 7946 0958"}}},
			[]IdentifierKey{{KindEmail, "x@example.org", ""}, {KindIP, "2001:db8::1", ""}, {KindPhone, "+442079460958", ""}}},
		{"unknown schema", Entity{Schema: "Starship", Properties: map[string][]string{"number": {"1"}}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := IdentifierKeys(tt.e)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %v\nwant %v", got, tt.want)
			}
		})
	}
}
