package scenario

import "strings"

// Name pools per country: common given names and family names, written as
// the country's own civil register writes them (Cyrillic, Greek or Arabic
// script where that is the register's script, with diacritics otherwise).
//
// Entries use "|" to carry extra forms:
//   - Russian and Ukrainian male given names: "name|male patronymic|female
//     patronymic", the forms a child of a man of that name carries.
//   - Gendered family names: "male|female" (Polish -ski/-ska, Slavic
//     -ov/-ova, Greek -os/-ou).
//   - Arabic-script names: "arabic|Latin|Latin…", the customary Latin
//     spellings, the one Moroccan and Algerian documents use (French
//     convention) first. Family names in Arabic are not gendered.

type rawPool struct {
	male, female, family []string
}

var rawPools = map[string]rawPool{
	"NL": {
		male:   []string{"Jan", "Pieter", "Kees", "Henk", "Daan", "Sem", "Lucas", "Thomas", "Ruben", "Jeroen", "Bas", "Mark", "Dennis", "Kevin", "Stefan", "Rick", "Sander", "Niels", "Jesse", "Tim", "Bram", "Joost", "Wouter", "Erik", "Martijn"},
		female: []string{"Anna", "Emma", "Sanne", "Lisa", "Femke", "Eva", "Lotte", "Iris", "Sophie", "Anouk", "Marieke", "Linda", "Esther", "Kim", "Naomi", "Julia", "Fleur", "Noor", "Inge", "Petra"},
		family: []string{"de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Janssen", "Visser", "Smit", "Meijer", "de Boer", "Mulder", "de Groot", "Bos", "Vos", "Peters", "Hendriks", "van Leeuwen", "Dekker", "Brouwer", "de Wit", "Dijkstra", "Smits", "de Graaf", "van der Meer", "van der Linden", "Kok", "Jacobs", "de Haan", "Vermeulen"},
	},
	"DE": {
		male:   []string{"Thomas", "Michael", "Andreas", "Stefan", "Christian", "Markus", "Daniel", "Alexander", "Sebastian", "Jan", "Tobias", "Florian", "Matthias", "Frank", "Jürgen", "Uwe", "Sven", "Dirk", "Lukas", "Jonas", "Maximilian", "Niklas", "Felix", "Kai", "Torsten"},
		female: []string{"Anna", "Julia", "Laura", "Katharina", "Sabine", "Petra", "Claudia", "Nicole", "Stefanie", "Andrea", "Monika", "Sarah", "Lena", "Lea", "Jana", "Melanie", "Sandra", "Susanne", "Birgit", "Jennifer"},
		family: []string{"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann", "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Zimmermann", "Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Schmitt", "Werner", "Krause", "Meier", "Lehmann", "Köhler", "Weiß"},
	},
	"FR": {
		male:   []string{"Jean", "Pierre", "Michel", "Philippe", "Nicolas", "Christophe", "Stéphane", "Sébastien", "Julien", "Olivier", "Thomas", "Alexandre", "Antoine", "Maxime", "Hugo", "Lucas", "Mathieu", "Guillaume", "Frédéric", "Laurent", "Jérôme", "François", "Benoît", "Cédric", "Yannick"},
		female: []string{"Marie", "Nathalie", "Isabelle", "Sylvie", "Catherine", "Sophie", "Céline", "Aurélie", "Julie", "Camille", "Léa", "Manon", "Chloé", "Émilie", "Sandrine", "Valérie", "Stéphanie", "Hélène", "Élodie", "Inès"},
		family: []string{"Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier", "Morel", "Girard", "André", "Lefèvre", "Mercier", "Dupont", "Lambert", "Bonnet", "François", "Martinez", "Faure", "Rousseau"},
	},
	"BE": {
		male:   []string{"Luc", "Marc", "Dirk", "Koen", "Pieter", "Wouter", "Jens", "Arne", "Thibault", "Maxime", "Nicolas", "Olivier", "Geert", "Bart", "Stijn", "Tom", "Kevin", "Jonas", "Mathis", "Louis"},
		female: []string{"An", "Els", "Sofie", "Lien", "Hanne", "Marie", "Julie", "Charlotte", "Laura", "Nathalie", "Katrien", "Inge", "Elke", "Sarah", "Emma", "Louise"},
		family: []string{"Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens", "Wouters", "De Smet", "Dubois", "Lambert", "Dupont", "Martin", "Vermeulen", "Van Damme", "De Backer", "Desmet", "Lemmens", "Hermans", "Van de Velde", "De Clercq", "Leclercq", "Renard"},
	},
	"ES": {
		male:   []string{"José", "Antonio", "Manuel", "Francisco", "David", "Juan", "Javier", "Daniel", "Carlos", "Jesús", "Alejandro", "Miguel", "Rafael", "Pablo", "Sergio", "Fernando", "Jorge", "Luis", "Alberto", "Álvaro", "Raúl", "Iván", "Rubén", "Óscar", "Adrián"},
		female: []string{"María", "Carmen", "Ana", "Isabel", "Laura", "Cristina", "Lucía", "Marta", "Elena", "Sara", "Paula", "Raquel", "Rosa", "Pilar", "Beatriz", "Silvia", "Nuria", "Irene", "Alba", "Andrea"},
		family: []string{"García", "Rodríguez", "González", "Fernández", "López", "Martínez", "Sánchez", "Pérez", "Gómez", "Martín", "Jiménez", "Ruiz", "Hernández", "Díaz", "Moreno", "Muñoz", "Álvarez", "Romero", "Alonso", "Gutiérrez", "Navarro", "Torres", "Domínguez", "Vázquez", "Ramos", "Gil", "Ramírez", "Serrano"},
	},
	"IT": {
		male:   []string{"Giuseppe", "Giovanni", "Antonio", "Mario", "Luigi", "Francesco", "Angelo", "Vincenzo", "Pietro", "Salvatore", "Carlo", "Franco", "Domenico", "Bruno", "Paolo", "Michele", "Giorgio", "Marco", "Alessandro", "Andrea", "Luca", "Matteo", "Lorenzo", "Stefano", "Roberto"},
		female: []string{"Maria", "Anna", "Giuseppina", "Rosa", "Angela", "Giovanna", "Teresa", "Lucia", "Carmela", "Caterina", "Francesca", "Giulia", "Chiara", "Sara", "Martina", "Elena", "Alessia", "Valentina", "Federica", "Paola"},
		family: []string{"Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino", "Greco", "Bruno", "Gallo", "Conti", "De Luca", "Mancini", "Costa", "Giordano", "Rizzo", "Lombardi", "Moretti", "Barbieri", "Fontana", "Santoro", "Mariani", "Rinaldi", "Caruso", "Ferrara", "Galli", "Martini", "Leone"},
	},
	"PL": {
		male:   []string{"Piotr", "Krzysztof", "Andrzej", "Tomasz", "Paweł", "Jan", "Michał", "Marcin", "Marek", "Grzegorz", "Józef", "Łukasz", "Adam", "Zbigniew", "Jerzy", "Tadeusz", "Mateusz", "Dariusz", "Mariusz", "Wojciech", "Kamil", "Jakub", "Maciej", "Rafał", "Robert"},
		female: []string{"Anna", "Maria", "Katarzyna", "Małgorzata", "Agnieszka", "Barbara", "Ewa", "Krystyna", "Elżbieta", "Magdalena", "Joanna", "Zofia", "Monika", "Teresa", "Danuta", "Natalia", "Aleksandra", "Karolina", "Marta", "Justyna"},
		family: []string{"Nowak", "Kowalski|Kowalska", "Wiśniewski|Wiśniewska", "Wójcik", "Kowalczyk", "Kamiński|Kamińska", "Lewandowski|Lewandowska", "Zieliński|Zielińska", "Szymański|Szymańska", "Woźniak", "Dąbrowski|Dąbrowska", "Kozłowski|Kozłowska", "Jankowski|Jankowska", "Mazur", "Kwiatkowski|Kwiatkowska", "Krawczyk", "Piotrowski|Piotrowska", "Grabowski|Grabowska", "Nowakowski|Nowakowska", "Pawłowski|Pawłowska", "Michalski|Michalska", "Król", "Wieczorek", "Jabłoński|Jabłońska", "Wróbel"},
	},
	"RO": {
		male:   []string{"Ion", "Gheorghe", "Vasile", "Constantin", "Alexandru", "Mihai", "Andrei", "Adrian", "Florin", "Marian", "Ionuț", "Cristian", "Nicolae", "Daniel", "Gabriel", "Ștefan", "Bogdan", "Dumitru", "Marius", "Cătălin", "Sorin", "Răzvan", "Ovidiu", "Lucian", "Valentin"},
		female: []string{"Maria", "Elena", "Ioana", "Ana", "Mihaela", "Andreea", "Gabriela", "Cristina", "Alexandra", "Florentina", "Daniela", "Georgiana", "Nicoleta", "Alina", "Ramona", "Roxana", "Simona", "Loredana", "Denisa", "Bianca"},
		family: []string{"Popa", "Popescu", "Pop", "Radu", "Dumitru", "Stan", "Stoica", "Gheorghe", "Matei", "Ciobanu", "Ionescu", "Rusu", "Mihai", "Constantin", "Munteanu", "Moldovan", "Marin", "Lungu", "Ene", "Toma", "Florea", "Dobre", "Ungureanu", "Tudor", "Neagu", "Barbu", "Dinu", "Cristea", "Nistor", "Ștefan"},
	},
	"BG": {
		male:   []string{"Георги", "Иван", "Димитър", "Николай", "Петър", "Христо", "Тодор", "Стоян", "Васил", "Йордан", "Атанас", "Ангел", "Кирил", "Красимир", "Валентин", "Стефан", "Пламен", "Мартин", "Александър", "Борис"},
		female: []string{"Мария", "Иванка", "Елена", "Йорданка", "Пенка", "Цветанка", "Надежда", "Даниела", "Гергана", "Десислава", "Петя", "Силвия", "Ралица", "Виктория", "Николета", "Антония"},
		family: []string{"Иванов|Иванова", "Георгиев|Георгиева", "Димитров|Димитрова", "Петров|Петрова", "Николов|Николова", "Христов|Христова", "Стоянов|Стоянова", "Тодоров|Тодорова", "Илиев|Илиева", "Василев|Василева", "Атанасов|Атанасова", "Петков|Петкова", "Ангелов|Ангелова", "Колев|Колева", "Йорданов|Йорданова", "Маринов|Маринова", "Попов|Попова", "Стефанов|Стефанова", "Михайлов|Михайлова", "Костов|Костова"},
	},
	"GR": {
		male:   []string{"Γεώργιος", "Ιωάννης", "Κωνσταντίνος", "Δημήτριος", "Νικόλαος", "Παναγιώτης", "Βασίλειος", "Χρήστος", "Αθανάσιος", "Μιχαήλ", "Ευάγγελος", "Σπυρίδων", "Αντώνιος", "Αναστάσιος", "Θεόδωρος", "Ανδρέας", "Σταύρος", "Αλέξανδρος", "Εμμανουήλ", "Ηλίας"},
		female: []string{"Μαρία", "Ελένη", "Αικατερίνη", "Βασιλική", "Σοφία", "Αγγελική", "Γεωργία", "Δήμητρα", "Κωνσταντίνα", "Παρασκευή", "Ευαγγελία", "Χριστίνα", "Αναστασία", "Ιωάννα", "Ειρήνη", "Δέσποινα"},
		family: []string{"Παπαδόπουλος|Παπαδοπούλου", "Παπαγεωργίου", "Οικονόμου", "Παπαδημητρίου", "Γεωργίου", "Παπαϊωάννου", "Παππάς|Παππά", "Βασιλείου", "Νικολάου", "Καραγιάννης|Καραγιάννη", "Μακρής|Μακρή", "Αντωνίου", "Δημητρίου", "Ιωάννου", "Κωνσταντίνου", "Παπανικολάου", "Αθανασίου", "Χριστοδούλου", "Μιχαηλίδης|Μιχαηλίδου", "Αλεξίου", "Θεοδωρόπουλος|Θεοδωροπούλου", "Κωνσταντινίδης|Κωνσταντινίδου", "Ευαγγέλου"},
	},
	"RU": {
		male:   []string{"Сергей|Сергеевич|Сергеевна", "Александр|Александрович|Александровна", "Дмитрий|Дмитриевич|Дмитриевна", "Андрей|Андреевич|Андреевна", "Алексей|Алексеевич|Алексеевна", "Максим|Максимович|Максимовна", "Евгений|Евгеньевич|Евгеньевна", "Иван|Иванович|Ивановна", "Михаил|Михайлович|Михайловна", "Николай|Николаевич|Николаевна", "Владимир|Владимирович|Владимировна", "Олег|Олегович|Олеговна", "Павел|Павлович|Павловна", "Игорь|Игоревич|Игоревна", "Виктор|Викторович|Викторовна", "Юрий|Юрьевич|Юрьевна", "Артём|Артёмович|Артёмовна", "Денис|Денисович|Денисовна", "Роман|Романович|Романовна", "Вадим|Вадимович|Вадимовна"},
		female: []string{"Елена", "Ольга", "Наталья", "Татьяна", "Ирина", "Светлана", "Анна", "Мария", "Екатерина", "Юлия", "Анастасия", "Марина", "Людмила", "Дарья", "Ксения", "Валентина", "Галина", "Виктория"},
		family: []string{"Иванов|Иванова", "Смирнов|Смирнова", "Кузнецов|Кузнецова", "Попов|Попова", "Васильев|Васильева", "Петров|Петрова", "Соколов|Соколова", "Михайлов|Михайлова", "Новиков|Новикова", "Фёдоров|Фёдорова", "Морозов|Морозова", "Волков|Волкова", "Алексеев|Алексеева", "Лебедев|Лебедева", "Семёнов|Семёнова", "Егоров|Егорова", "Павлов|Павлова", "Козлов|Козлова", "Степанов|Степанова", "Николаев|Николаева", "Орлов|Орлова", "Андреев|Андреева", "Макаров|Макарова", "Никитин|Никитина", "Захаров|Захарова", "Зайцев|Зайцева", "Соловьёв|Соловьёва", "Белов|Белова"},
	},
	"UA": {
		male:   []string{"Олександр|Олександрович|Олександрівна", "Андрій|Андрійович|Андріївна", "Сергій|Сергійович|Сергіївна", "Володимир|Володимирович|Володимирівна", "Дмитро|Дмитрович|Дмитрівна", "Олег|Олегович|Олегівна", "Юрій|Юрійович|Юріївна", "Іван|Іванович|Іванівна", "Микола|Миколайович|Миколаївна", "Віктор|Вікторович|Вікторівна", "Василь|Васильович|Василівна", "Петро|Петрович|Петрівна", "Богдан|Богданович|Богданівна", "Тарас|Тарасович|Тарасівна", "Максим|Максимович|Максимівна", "Артем|Артемович|Артемівна", "Денис|Денисович|Денисівна", "Ігор|Ігорович|Ігорівна"},
		female: []string{"Олена", "Наталія", "Тетяна", "Ірина", "Оксана", "Світлана", "Юлія", "Марія", "Ольга", "Анна", "Катерина", "Людмила", "Вікторія", "Галина", "Анастасія", "Софія"},
		family: []string{"Шевченко", "Бойко", "Коваленко", "Бондаренко", "Ткаченко", "Кравченко", "Ковальчук", "Коваль", "Олійник", "Шевчук", "Поліщук", "Лисенко", "Мельник", "Савченко", "Руденко", "Марченко", "Мороз", "Петренко", "Кравчук", "Ковальський|Ковальська", "Левченко", "Павленко", "Гончаренко", "Литвиненко", "Клименко"},
	},
	"RS": {
		male:   []string{"Никола", "Милош", "Марко", "Стефан", "Лазар", "Душан", "Александар", "Немања", "Драган", "Зоран", "Горан", "Дејан", "Ненад", "Милан", "Јован", "Владимир", "Бојан", "Срђан", "Жељко", "Предраг", "Вук", "Ђорђе"},
		female: []string{"Милица", "Јелена", "Марија", "Ана", "Драгана", "Јована", "Ивана", "Тијана", "Снежана", "Мирјана", "Наташа", "Катарина", "Сања", "Јасмина", "Тамара", "Сандра"},
		family: []string{"Јовановић", "Петровић", "Николић", "Марковић", "Ђорђевић", "Стојановић", "Илић", "Станковић", "Павловић", "Милошевић", "Милојевић", "Ђурић", "Стевановић", "Лукић", "Младеновић", "Костић", "Ристић", "Тодоровић", "Поповић", "Живковић", "Савић", "Симић", "Радовановић", "Митровић", "Јанковић", "Ковачевић"},
	},
	"TR": {
		male:   []string{"Mehmet", "Mustafa", "Ahmet", "Ali", "Hüseyin", "Hasan", "İbrahim", "İsmail", "Osman", "Yusuf", "Murat", "Ömer", "Ramazan", "Halil", "Süleyman", "Abdullah", "Mahmut", "Emre", "Burak", "Serkan", "Kemal", "Okan", "Cem", "Onur", "Volkan"},
		female: []string{"Fatma", "Ayşe", "Emine", "Hatice", "Zeynep", "Elif", "Meryem", "Şerife", "Zehra", "Sultan", "Hanife", "Merve", "Havva", "Esra", "Büşra", "Özlem", "Gül", "Yasemin", "Derya", "Ebru"},
		family: []string{"Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Yıldız", "Yıldırım", "Öztürk", "Aydın", "Özdemir", "Arslan", "Doğan", "Kılıç", "Aslan", "Çetin", "Kara", "Koç", "Kurt", "Özkan", "Şimşek", "Polat", "Özer", "Güler", "Aktaş", "Korkmaz", "Keskin", "Avcı"},
	},
	"MA": {
		male:   []string{"محمد|Mohamed|Mohammed|Muhammad|Mohammad", "أحمد|Ahmed|Ahmad", "يوسف|Youssef|Yousef|Yusuf", "عبد الله|Abdellah|Abdallah|Abdullah", "مصطفى|Mustapha|Mustafa|Moustafa", "حسن|Hassan|Hasan", "رشيد|Rachid|Rashid|Rachied", "سعيد|Said|Saïd|Saeed", "كريم|Karim|Kareem", "إبراهيم|Brahim|Ibrahim|Ebrahim", "عمر|Omar|Umar", "ياسين|Yassine|Yasin|Yassin", "أيوب|Ayoub|Ayub|Ayoeb", "نور الدين|Noureddine|Nour-Eddine|Nureddin", "خالد|Khalid|Khaled", "جمال|Jamal|Djamal|Gamal", "بلال|Bilal|Bilel", "إلياس|Ilias|Ilyas|Elias", "زكرياء|Zakaria|Zakariya", "حمزة|Hamza|Hamzah", "عادل|Adil|Adel"},
		female: []string{"فاطمة|Fatima|Fatema|Fatma", "خديجة|Khadija|Khadidja|Chadija", "مريم|Meryem|Maryam|Mariam", "نادية|Nadia|Nadiya", "سميرة|Samira|Sameera", "ليلى|Leila|Layla|Laila", "حنان|Hanane|Hanan", "سناء|Sanaa|Sana", "إكرام|Ikram|Ikrame", "سلمى|Salma|Selma"},
		family: []string{"العلوي|Alaoui|El Alaoui|Alaui", "بنعلي|Benali|Ben Ali|Ben-Ali", "الإدريسي|El Idrissi|Idrissi|Al-Idrissi", "العمراني|El Amrani|Amrani|Al-Amrani", "بوزيد|Bouzid|Bouzied|Bu Zaid", "التازي|Tazi|Et-Tazi", "بنجلون|Benjelloun|Ben Jelloun|Benjeloun", "الفاسي|El Fassi|Fassi|Al-Fasi", "الحسني|El Hassani|Hassani|Al-Hasani", "بوعزة|Bouazza|Bou Azza", "أمزيان|Amezian|Amziane|Amzian", "الزياني|Ziani|Zayani|Zeyani", "العثماني|El Othmani|Othmani|Al-Uthmani", "الشرقاوي|Cherkaoui|Charkaoui|Sharqawi", "المرابط|El Mrabet|Mrabet|Al-Murabit", "بنحدو|Benhaddou|Ben Haddou", "الخطابي|El Khattabi|Khattabi|Al-Khattabi"},
	},
	"DZ": {
		male:   []string{"محمد|Mohamed|Mohammed|Muhammad", "عبد القادر|Abdelkader|Abdel Kader|Abdulqadir", "كمال|Kamel|Kamal", "رضا|Reda|Rida|Réda", "سفيان|Sofiane|Soufiane|Sufyan", "نبيل|Nabil|Nabeel", "مراد|Mourad|Murad|Morad", "جمال|Djamel|Jamal|Djamal", "فريد|Farid|Fareed", "هشام|Hichem|Hicham|Hisham", "ياسين|Yacine|Yassine|Yasin", "عمر|Omar|Umar", "سمير|Samir|Sameer", "إسماعيل|Smail|Ismail|Ismaïl"},
		female: []string{"أمينة|Amina|Ameena", "صبرينة|Sabrina|Sabrine", "ليندة|Lynda|Linda", "ياسمينة|Yasmina|Yasmine", "نسرين|Nesrine|Nisrine", "سهام|Siham|Sihem", "كنزة|Kenza|Kanza", "فاطمة|Fatma|Fatima|Fatiha"},
		family: []string{"بن سالم|Bensalem|Ben Salem|Ben-Salem", "بلقاسم|Belkacem|Belgacem|Belkassem", "حمادي|Hamadi|Hammadi", "منصوري|Mansouri|Mansuri", "زروقي|Zerrouki|Zerouki", "شريف|Cherif|Chérif|Sharif", "بوضياف|Boudiaf|Bou Diaf", "مزيان|Meziane|Mezian", "سعيدي|Saidi|Saïdi|Saeedi", "خليفي|Khelifi|Khalifi", "بن عيسى|Benaissa|Ben Aissa|Ben-Aïssa", "بلعيد|Belaid|Belaïd", "حداد|Haddad|Hadad"},
	},
	"AL": {
		male:   []string{"Arben", "Ardit", "Besnik", "Dritan", "Elton", "Erion", "Fatmir", "Gentian", "Ilir", "Klodian", "Kreshnik", "Leonard", "Mentor", "Olsi", "Redon", "Sokol", "Taulant", "Valon", "Xhevdet", "Arjan", "Altin", "Blerim", "Gëzim", "Ervis", "Endrit"},
		female: []string{"Anila", "Blerina", "Elona", "Entela", "Ermira", "Fjoralba", "Jonida", "Klea", "Lindita", "Mirela", "Vjollca", "Xhensila", "Arta", "Besiana", "Dorina", "Eriona"},
		family: []string{"Hoxha", "Shehu", "Gjoka", "Leka", "Kola", "Marku", "Basha", "Çela", "Dervishi", "Krasniqi", "Gashi", "Prifti", "Lika", "Muça", "Hysa", "Dedja", "Kapllani", "Bajrami", "Xhafa", "Duka", "Gjini", "Hasani", "Kuka", "Tafa", "Zeneli"},
	},
	"GB": {
		male:   []string{"James", "John", "David", "Michael", "Paul", "Andrew", "Mark", "Richard", "Daniel", "Thomas", "Christopher", "Matthew", "Steven", "Robert", "Lee", "Ryan", "Jamie", "Liam", "Connor", "Callum", "Jack", "Oliver", "Harry", "George", "Darren"},
		female: []string{"Sarah", "Emma", "Claire", "Laura", "Rebecca", "Charlotte", "Hannah", "Amy", "Jessica", "Sophie", "Lucy", "Emily", "Kelly", "Nicola", "Gemma", "Lisa", "Joanne", "Victoria", "Samantha", "Rachel"},
		family: []string{"Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas", "Johnson", "Roberts", "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards", "Hughes", "Green", "Hall", "Lewis", "Harris", "Clarke", "Patel", "Jackson", "Wood", "Turner", "Martin", "Cooper", "Hill"},
	},
	"US": {
		male:   []string{"Michael", "James", "John", "Robert", "David", "William", "Christopher", "Joseph", "Daniel", "Matthew", "Anthony", "Joshua", "Andrew", "Brian", "Kevin", "Jason", "Justin", "Brandon", "Tyler", "Ryan", "Eric", "Jose", "Carlos", "Luis", "Juan"},
		female: []string{"Jennifer", "Jessica", "Ashley", "Sarah", "Amanda", "Emily", "Elizabeth", "Megan", "Lauren", "Stephanie", "Nicole", "Brittany", "Samantha", "Rachel", "Maria", "Ana", "Melissa", "Michelle", "Kimberly", "Amber"},
		family: []string{"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson"},
	},
}

// givenName is a given name as the owner's civil register writes it.
type givenName struct {
	native string
	// latin holds the customary Latin spellings of an Arabic-script name,
	// the official one first; nil for other scripts, which are
	// transliterated by rule.
	latin []string
	// patronymic is the [male, female] patronymic a child of a man with
	// this name carries (Russian, Ukrainian); empty elsewhere.
	patronymic [2]string
}

// familyName is a family name in its male and female forms (the same
// where the language does not inflect it).
type familyName struct {
	male, female string
	latin        []string // as for givenName
}

type namePool struct {
	male, female []givenName
	family       []familyName
}

// pools is built once from rawPools.
var pools = buildPools()

func buildPools() map[string]namePool {
	out := make(map[string]namePool, len(rawPools))
	for code, raw := range rawPools {
		arabic := countries[code].script == Arabic
		var p namePool
		for _, list := range []struct {
			raw []string
			dst *[]givenName
		}{{raw.male, &p.male}, {raw.female, &p.female}} {
			for _, e := range list.raw {
				parts := strings.Split(e, "|")
				g := givenName{native: parts[0]}
				switch {
				case arabic:
					g.latin = parts[1:]
				case len(parts) == 3:
					g.patronymic = [2]string{parts[1], parts[2]}
				}
				*list.dst = append(*list.dst, g)
			}
		}
		for _, e := range raw.family {
			parts := strings.Split(e, "|")
			f := familyName{male: parts[0], female: parts[0]}
			switch {
			case arabic:
				f.latin = parts[1:]
			case len(parts) == 2:
				f.female = parts[1]
			}
			p.family = append(p.family, f)
		}
		out[code] = p
	}
	return out
}
