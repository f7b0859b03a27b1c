package record

import (
	"bufio"
	"fmt"
	"io"
	"math/big"
	"math/rand/v2"
	"strings"
)

// synth writes n synthetic FtM entities as JSON lines, grouped by the
// "publisher" property into records of about ten entities: persons with
// names in Latin, Cyrillic and Greek script, passports, vehicles, bank
// accounts, companies and ownerships. The same seed gives the same data.
type synth struct {
	rng *rand.Rand
}

func newSynth(seed uint64) *synth { return &synth{rng: rand.New(rand.NewPCG(seed, 1))} }

var (
	synthGiven    = []string{"Ivan", "Sergei", "Olga", "Anna", "Jan", "Pieter", "Maria", "Giorgos", "Ahmed", "Fatima", "Lukas", "Sofia", "Mehmet", "Elena", "Tomasz", "Ewa"}
	synthFamily   = []string{"Ivanov", "Petrova", "de Vries", "Jansen", "Papadopoulos", "Müller", "Kowalski", "Horvat", "Novak", "Yilmaz", "García", "Rossi", "Dubois", "Nielsen", "Smirnov", "Haddad"}
	synthCyrGiven = []string{"Иван", "Сергей", "Ольга", "Анна", "Дмитрий", "Наталья"}
	synthCyrFam   = []string{"Иванов", "Петрова", "Смирнов", "Кузнецова", "Попов", "Соколова"}
	synthGrGiven  = []string{"Γεώργιος", "Μαρία", "Νίκος", "Ελένη"}
	synthGrFam    = []string{"Παπαδόπουλος", "Παπαδοπούλου", "Νικολάου", "Γεωργίου"}
	synthCountry  = []string{"nl", "de", "be", "fr", "pl", "ru", "gr", "tr", "es", "it"}
	synthSyllable = []string{"ka", "lo", "mi", "ren", "sto", "vi", "dra", "nek", "por", "tas", "bel", "zu"}
)

// name returns a personal name; every fourth in Cyrillic or Greek.
func (s *synth) name() string {
	r := s.rng
	switch r.IntN(8) {
	case 0:
		return synthCyrGiven[r.IntN(len(synthCyrGiven))] + " " + synthCyrFam[r.IntN(len(synthCyrFam))] + s.syllables(1)
	case 1:
		return synthGrGiven[r.IntN(len(synthGrGiven))] + " " + synthGrFam[r.IntN(len(synthGrFam))]
	}
	return synthGiven[r.IntN(len(synthGiven))] + " " + synthFamily[r.IntN(len(synthFamily))] + " " + strings.ToUpper(s.syllables(2)[:1]) + s.syllables(2)
}

func (s *synth) syllables(n int) string {
	var b strings.Builder
	for range n {
		b.WriteString(synthSyllable[s.rng.IntN(len(synthSyllable))])
	}
	return b.String()
}

func (s *synth) digits(n int) string {
	var b strings.Builder
	for range n {
		b.WriteByte(byte('0' + s.rng.IntN(10)))
	}
	return b.String()
}

// iban returns a valid German IBAN.
func (s *synth) iban() string {
	bban := s.digits(18)
	n, _ := new(big.Int).SetString(bban+"131400", 10) // "DE00" moved to the end, D=13 E=14
	check := 98 - new(big.Int).Mod(n, big.NewInt(97)).Int64()
	return fmt.Sprintf("DE%02d%s", check, bban)
}

// write writes n entities to w and returns the number of records they
// form (groups of "publisher").
func (s *synth) write(w io.Writer, n int) (records int, err error) {
	bw := bufio.NewWriterSize(w, 1<<20)
	r := s.rng
	id := 0
	next := func() string { id++; return fmt.Sprintf("e%d", id) }
	for written := 0; written < n; {
		records++
		group := fmt.Sprintf("case-%07d", records)
		size := min(6+r.IntN(9), n-written) // 6–14 entities
		country := synthCountry[r.IntN(len(synthCountry))]
		var person string
		for k := 0; k < size; k++ {
			var line string
			switch {
			case k == 0 || r.IntN(4) == 0:
				person = next()
				line = fmt.Sprintf(`{"id":%q,"schema":"Person","properties":{"name":[%q],"birthDate":["%d-%02d-%02d"],"nationality":[%q],"passportNumber":[%q],"phone":["+31 6 %s"],"publisher":[%q]}}`,
					person, s.name(), 1950+r.IntN(55), 1+r.IntN(12), 1+r.IntN(28), country, "X"+s.digits(8), s.digits(8), group)
			case k%5 == 1:
				line = fmt.Sprintf(`{"id":%q,"schema":"Passport","properties":{"number":[%q],"holder":[%q],"country":[%q],"publisher":[%q]}}`,
					next(), strings.ToUpper(s.syllables(1))+s.digits(7), person, country, group)
			case k%5 == 2:
				line = fmt.Sprintf(`{"id":%q,"schema":"Vehicle","properties":{"registrationNumber":[%q],"country":[%q],"model":["Transporter"],"publisher":[%q]}}`,
					next(), strings.ToUpper(s.syllables(1))+"-"+s.digits(3)+"-"+strings.ToUpper(s.syllables(1)), country, group)
			case k%5 == 3:
				line = fmt.Sprintf(`{"id":%q,"schema":"BankAccount","properties":{"iban":[%q],"bankName":["Bank %s"],"publisher":[%q]}}`,
					next(), s.iban(), s.syllables(2), group)
			default:
				c := next()
				line = fmt.Sprintf(`{"id":%q,"schema":"Company","properties":{"name":["%s %s B.V."],"jurisdiction":[%q],"registrationNumber":[%q],"publisher":[%q]}}`,
					c, strings.ToUpper(s.syllables(1)[:1])+s.syllables(2), s.syllables(1), country, s.digits(8), group)
				if k+1 < size {
					line += "\n" + fmt.Sprintf(`{"id":%q,"schema":"Ownership","properties":{"owner":[%q],"asset":[%q],"percentage":["%d"],"publisher":[%q]}}`,
						next(), person, c, 1+r.IntN(100), group)
					k++
					written++
				}
			}
			if _, err := bw.WriteString(line + "\n"); err != nil {
				return records, err
			}
			written++
		}
	}
	return records, bw.Flush()
}
