package scenario

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestRomanize(t *testing.T) {
	for _, tc := range []struct {
		native, origin string
		conv           convention
		want           string
	}{
		{"Сергей Иванов", "RU", convPassport, "Sergei Ivanov"},
		{"Сергей Иванов", "RU", convEnglish, "Sergey Ivanov"},
		{"Сергей Иванов", "RU", convGerman, "Sergej Iwanow"},
		{"Сергей Иванов", "RU", convFrench, "Sergueï Ivanov"},
		{"Сергей Иванов", "RU", convNative, "Сергей Иванов"},
		{"Дмитрий", "RU", convPassport, "Dmitrii"},
		{"Дмитрий", "RU", convEnglish, "Dmitriy"},
		{"Дмитрий", "RU", convGerman, "Dmitri"},
		{"Дмитрий", "RU", convFrench, "Dmitri"},
		{"Юрьевич", "RU", convEnglish, "Yuryevich"},
		{"Евгений Кузнецов", "RU", convGerman, "Jewgeni Kusnezow"},
		{"Евгений Кузнецов", "RU", convFrench, "Ievgueni Kouznetsov"},
		{"Наталья Фёдорова", "RU", convGerman, "Natalja Fjodorowa"},
		{"Олег Зайцев", "RU", convGerman, "Oleg Saizew"},
		{"Олег Зайцев", "RU", convFrench, "Oleg Zaïtsev"},
		{"Олег Зайцев", "RU", convPassport, "Oleg Zaitsev"},
		{"Олександр Шевченко", "UA", convPassport, "Oleksandr Shevchenko"},
		{"Олександр Шевченко", "UA", convGerman, "Oleksandr Schewtschenko"},
		{"Олександр Шевченко", "UA", convFrench, "Oleksandr Chevtchenko"},
		{"Андрій Юрій", "UA", convPassport, "Andrii Yurii"},
		{"Андрій", "UA", convEnglish, "Andriy"},
		{"Христо Стоянов", "BG", convPassport, "Hristo Stoyanov"},
		{"Христо Стоянов", "BG", convGerman, "Christo Stojanow"},
		{"Мария", "BG", convPassport, "Maria"},
		{"Ђорђе Ђорђевић", "RS", convPassport, "Djordje Djordjevic"},
		{"Ђорђе Ђорђевић", "RS", convEnglish, "Đorđe Đorđević"},
		{"Γεώργιος Παπαδόπουλος", "GR", convPassport, "Georgios Papadopoulos"},
		{"Ευάγγελος", "GR", convPassport, "Evangelos"},
		{"Κωνσταντίνος", "GR", convPassport, "Konstantinos"},
		{"Σταύρος", "GR", convPassport, "Stavros"},
		{"Οικονόμου", "GR", convEnglish, "Ikonomou"},
		{"Χρήστος", "GR", convFrench, "Khristos"},
		{"Βασίλειος", "GR", convGerman, "Wassilios"},
		{"Müller", "DE", convPassport, "Mueller"},
		{"Müller", "DE", convGerman, "Müller"},
		{"Öztürk", "TR", convPassport, "Ozturk"},
		{"İbrahim Yılmaz", "TR", convPassport, "Ibrahim Yilmaz"},
		{"Łukasz Wiśniewski", "PL", convPassport, "Lukasz Wisniewski"},
		{"Gëzim Çela", "AL", convPassport, "Gezim Cela"},
		{"Ștefan Popescu", "RO", convPassport, "Stefan Popescu"},
	} {
		if got := romanize(tc.native, tc.origin, tc.conv); got != tc.want {
			t.Errorf("romanize(%q, %s, %d) = %q, want %q", tc.native, tc.origin, tc.conv, got, tc.want)
		}
	}
}

func TestRomanizeArabic(t *testing.T) {
	latin := []string{"Mohamed", "Mohammed", "Muhammad"}
	for conv, want := range map[convention]string{convPassport: "Mohamed", convFrench: "Mohamed", convGerman: "Mohammed", convEnglish: "Mohammed"} {
		if got := romanizeArabic(latin, conv); got != want {
			t.Errorf("romanizeArabic(%d) = %q, want %q", conv, got, want)
		}
	}
	if got := romanizeArabic([]string{"Saïd"}, convPassport); got != "Said" {
		t.Errorf("passport form of Saïd = %q", got)
	}
}

// Every name in every pool romanizes to Latin letters in every convention.
func TestPoolsRomanize(t *testing.T) {
	for code, pool := range pools {
		p := &wperson{origin: code}
		for _, g := range append(pool.male, pool.female...) {
			for _, f := range pool.family {
				p.given, p.family = g, f
				for _, conv := range []convention{convPassport, convEnglish, convGerman, convFrench} {
					n := p.render(conv)
					for _, s := range []string{n.first, n.last} {
						if scriptOf(s) != Latin || s == "" {
							t.Fatalf("%s %q/%q in convention %d gives %q", code, g.native, f.male, conv, s)
						}
					}
					if conv == convPassport {
						for _, r := range n.first + n.last {
							if r >= 128 {
								t.Fatalf("%s passport form %q %q is not ASCII", code, n.first, n.last)
							}
						}
					}
				}
			}
		}
	}
}

func TestSpellingVariant(t *testing.T) {
	r := newTestRand()
	for _, s := range []string{"Ivanov", "Đorđević", "El Amrani", "van der Meer", "Schmidt", "Papadopoulos"} {
		changed := false
		for range 20 {
			v := randomSpellingVariant(r, s)
			if !utf8.ValidString(v) || strings.TrimSpace(v) == "" {
				t.Fatalf("variant of %q is %q", s, v)
			}
			changed = changed || v != s
		}
		if !changed {
			t.Errorf("no variant of %q", s)
		}
	}
}

// FuzzRomanize feeds arbitrary text through every transliteration scheme:
// no panic, valid UTF-8 out.
func FuzzRomanize(f *testing.F) {
	for _, s := range []string{"Сергей Иванов", "Γεώργιος", "Ђорђе", "Öztürk", "", "ий", "\xff\xfe", "ΑΥΤΟΣ ευ"} {
		f.Add(s)
	}
	origins := []string{"RU", "UA", "BG", "RS", "GR", "TR", "DE", "NL", "MA"}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 256 {
			return
		}
		for _, o := range origins {
			for _, c := range []convention{convNative, convPassport, convEnglish, convGerman, convFrench} {
				out := romanize(s, o, c)
				if utf8.ValidString(s) && !utf8.ValidString(out) {
					t.Fatalf("romanize(%q, %s, %d) = %q: invalid UTF-8", s, o, c, out)
				}
			}
		}
		_ = randomSpellingVariant(newTestRand(), s)
	})
}
