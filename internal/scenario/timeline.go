package scenario

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// holdings lists how each agency holds object o.
func (c *cell) holdings(v *cellView, o *wobj) []Holding {
	var out []Holding
	for a, ag := range c.g.agencies {
		h := v.held[a][o.id]
		if h == nil {
			continue
		}
		out = append(out, Holding{Agency: ag.ID, RecordID: h.recordID, EntityID: h.entityID, Name: h.name, Script: h.script, BirthDate: h.birth})
	}
	return out
}

// noticeCandidate fills the notice material for person o.
func (c *cell) noticeCandidate(v *cellView, o *wobj, ch charge, requesting string) NoticeCandidate {
	p := o.person
	sex := "M"
	if p.female {
		sex = "F"
	}
	d := c.dateBetween(c.start, referenceDate.AddDate(0, 0, -14))
	return NoticeCandidate{
		Cluster:           c.clusterID(o.cluster),
		Holdings:          c.holdings(v, o),
		RequestingCountry: requesting,
		Forename:          strings.ToUpper(p.romanGiven(convPassport)),
		Name:              strings.ToUpper(p.romanFamily(convPassport)),
		DateOfBirth:       p.birth.Format("2006/01/02"),
		SexID:             sex,
		Nationalities:     slices.Clone(p.nationality),
		PlaceOfBirth:      p.birthPlace,
		Charge:            ch.english,
		ChargeOriginal:    ch.original,
		Statute:           ch.statute,
		MaxPenaltyYears:   ch.maxYears,
		WarrantReference:  fmt.Sprintf("%s-AW-%d-%05d", requesting, d.Year(), c.r.IntN(100_000)),
		WarrantDate:       formatDate(d),
	}
}

// storyAndTimeline assembles the Story from the rendered story cell, and
// the exercise timeline around it.
func (c *cell) storyAndTimeline(v *cellView) (Story, []TimelineEvent) {
	s := c.story
	ag := c.g.agencies
	lead, second, third := ag[s.lead], ag[s.second], ag[s.third]
	mainPass := s.mainPassport.prop("number")[0]
	var sharedBy []string
	for a := range ag {
		if h := v.held[a][s.mainPassport.id]; h != nil && !s.mainPassport.peripheral[a] {
			sharedBy = append(sharedBy, ag[a].ID)
		}
	}
	docAlerts, vehAlerts := v.docAlerts[0], v.vehAlerts[0]
	lookup := s.third // with two agencies, the second
	vehLookup := s.third
	if len(ag) == 2 {
		vehLookup = s.lead
	}

	st := Story{
		Kind:       c.kind,
		Operation:  c.operation,
		LeadAgency: lead.ID,
		MainSuspect: Suspect{
			Cluster: c.clusterID(s.main.cluster), Role: s.main.label, Origin: s.main.person.origin,
			BirthDate: formatDate(s.main.person.birth), Holdings: c.holdings(v, s.main),
			Identifiers: []Identifier{{Type: "passport", Value: mainPass, Country: strings.ToUpper(s.mainPassport.prop("country")[0])}},
			SharedBy:    sharedBy,
		},
		Namesake: Suspect{
			Cluster: c.clusterID(s.namesake.cluster), Role: s.namesake.label, Origin: s.namesake.person.origin,
			BirthDate: formatDate(s.namesake.person.birth), Holdings: c.holdings(v, s.namesake),
		},
		StolenPassport: DocumentHook{
			Document: Identifier{Type: "passport", Value: docAlerts.DocumentNumber, Country: docAlerts.Country},
			AlertID:  docAlerts.AlertID, ReportedBy: docAlerts.ReportingAgency, ReportedOn: docAlerts.ReportedOn,
			Cluster: c.clusterID(s.stolenPassport.cluster), OwnerCluster: c.clusterID(s.theftVictim.cluster),
			ImpostorCluster: c.clusterID(s.impostor.cluster),
			Holdings:        append(c.holdings(v, s.stolenPassport), c.holdings(v, s.usedPassport)...),
			LookupAgency:    ag[lookup].ID,
		},
		StolenVehicle: VehicleHook{
			Plate: Identifier{Type: "plate", Value: vehAlerts.Plate, Country: vehAlerts.Country},
			VIN:   vehAlerts.VIN, AlertID: vehAlerts.AlertID, ReportedBy: vehAlerts.ReportingAgency,
			Cluster: c.clusterID(s.stolenVehicle.cluster), DriverCluster: c.clusterID(s.driver.cluster),
			Holdings: c.holdings(v, s.stolenVehicle), LookupAgency: ag[vehLookup].ID,
		},
	}
	st.RedNotice = c.noticeCandidate(v, s.redNotice, s.redCharge, s.redCountry)
	st.RedNotice.RequestingAgency = lead.ID
	st.RedNotice.Expected = "publishable"
	st.FlawedNotice = c.noticeCandidate(v, s.flawed, s.flawedCharge, s.flawedCountry)
	if s.flawedAgency >= 0 {
		st.FlawedNotice.RequestingAgency = ag[s.flawedAgency].ID
	}
	st.FlawedNotice.Expected = "refuse: Art. 3 (political)"
	others := othersThan(ag, s.second)
	nsHold := v.held[s.second][s.namesake.id]
	st.Withdrawal = Withdrawal{Agency: second.ID, RecordID: nsHold.recordID, SharedWith: others,
		Reason: "Subject misidentified: a namesake of the main suspect, born on another date."}

	// The timeline: the story network's records arrive first, oldest
	// first, one every 30 seconds; then the demo script, five minutes a step.
	type created struct {
		date  string
		agent int
		rec   *Record
	}
	var recs []created
	for a := range ag {
		for i := range v.records[a] {
			recs = append(recs, created{v.records[a][i].Created, a, &v.records[a][i]})
		}
	}
	slices.SortStableFunc(recs, func(x, y created) int {
		return cmp.Or(cmp.Compare(x.date, y.date), cmp.Compare(x.agent, y.agent))
	})
	var tl []TimelineEvent
	at := int64(0)
	emit := func(e TimelineEvent) {
		e.Seq = len(tl) + 1
		e.OffsetSeconds = at
		tl = append(tl, e)
	}
	for _, x := range recs {
		at += 30
		emit(TimelineEvent{Type: EventRecordCreated, Actor: x.rec.Agency, RecordID: x.rec.ID, Handling: x.rec.Envelope.Handling, Expect: "stored"})
	}
	step := func() { at += 300 }

	mainAtLead := v.held[s.lead][s.main.id]
	step()
	emit(TimelineEvent{Type: EventRecordShared, Actor: lead.ID, Recipients: othersThan(ag, s.lead), RecordID: mainAtLead.recordID,
		EntityIDs: []string{mainAtLead.entityID}, Text: "Main suspect of " + c.operation + " shared with partners.", Expect: "delivered"})
	step()
	emit(TimelineEvent{Type: EventRecordShared, Actor: second.ID, Recipients: others, RecordID: nsHold.recordID,
		EntityIDs: []string{nsHold.entityID}, Text: "Possible contact of the network shared with partners.", Expect: "delivered"})
	step()
	var hitAt []string
	for _, id := range sharedBy {
		if id != second.ID {
			hitAt = append(hitAt, id)
		}
	}
	emit(TimelineEvent{Type: EventQuery, Actor: second.ID, Recipients: others, Identifier: &st.MainSuspect.Identifiers[0],
		Text: "Hit/no-hit check of a passport number found during a road check.", Expect: "hit", ExpectAt: hitAt})
	if s.third != s.second {
		h := v.held[s.third][s.main.id]
		step()
		emit(TimelineEvent{Type: EventQuery, Actor: third.ID, Recipients: othersThan(ag, s.third), Name: h.name, BirthDate: h.birth,
			Text: "Name and date-of-birth check of a subject known from seized documents.", Expect: "candidate", ExpectAt: []string{lead.ID, second.ID}})
	}
	step()
	emit(TimelineEvent{Type: EventMessage, Actor: second.ID, Recipients: []string{lead.ID}, RecordID: mainAtLead.recordID,
		Text: "Following the hit on passport " + mainPass + ", please provide the data held on the holder and the case reference.", Handling: "H2", Expect: "delivered"})
	step()
	emit(TimelineEvent{Type: EventAlertLookup, Actor: ag[lookup].ID, Identifier: &st.StolenPassport.Document,
		Text: "Border check of a traveller's passport.", Expect: "hit", ExpectAt: []string{lead.ID}})
	step()
	clean := Identifier{Type: "passport", Value: passportNumber(c.r, lead.Country), Country: lead.Country}
	emit(TimelineEvent{Type: EventAlertLookup, Actor: ag[lookup].ID, Identifier: &clean,
		Text: "Border check of a traveller's passport.", Expect: "no-hit"})
	step()
	emit(TimelineEvent{Type: EventAlertLookup, Actor: ag[vehLookup].ID, Identifier: &st.StolenVehicle.Plate,
		Text: "Number-plate check at a roadside stop.", Expect: "hit", ExpectAt: []string{second.ID}})
	step()
	rn := v.held[s.lead][s.redNotice.id]
	emit(TimelineEvent{Type: EventNoticeDrafted, Actor: lead.ID, RecordID: rn.recordID, EntityIDs: []string{rn.entityID},
		Text: "Red notice for " + st.RedNotice.Forename + " " + st.RedNotice.Name + ": " + st.RedNotice.Charge + ".", Expect: "publishable"})
	step()
	flawedHolder := s.flawedAgency
	typ := EventNoticeDrafted
	if flawedHolder < 0 {
		flawedHolder, typ = s.lead, EventNoticeRequested
	}
	fh := v.held[flawedHolder][s.flawed.id]
	emit(TimelineEvent{Type: typ, Actor: ag[flawedHolder].ID, RecordID: fh.recordID, EntityIDs: []string{fh.entityID},
		Text: "Red notice requested by " + st.FlawedNotice.RequestingCountry + " for " + st.FlawedNotice.Charge + ".", Expect: "refuse"})
	step()
	emit(TimelineEvent{Type: EventRecordWithdrawn, Actor: second.ID, Recipients: others, RecordID: nsHold.recordID,
		EntityIDs: []string{nsHold.entityID}, Text: st.Withdrawal.Reason, Expect: "withdrawn"})
	return st, tl
}

// othersThan lists the ids of every agency but a.
func othersThan(ag []Agency, a int) []string {
	var out []string
	for i := range ag {
		if i != a {
			out = append(out, ag[i].ID)
		}
	}
	return out
}
