// Package exercise plays synthetic scenarios (see internal/scenario) into
// running agency nodes through their officer API, for training sessions in
// which agencies practise together without touching real data, and
// provides the scenario-to-API conversions the three-node demo uses.
//
// # Exercise data never mixes with real data
//
// Everything an exercise creates is made with exercise API tokens: a token
// created with "exercise": true yields a principal with Exercise set, and
// every audit event it causes carries the exercise flag. Records are
// created with envelope.exercise = true and purpose "training"; the policy
// lets only exercise principals read exercise records and keeps real
// records out of an exercise (internal/policy). Messages carry the
// customary marking ("EXERCISE" before the subject and a case reference
// starting with "EXERCISE-").
//
// Notices, alerts and border checks have no exercise marker of their own,
// and an exercise alert on a real node would hit real border checks. They
// are exercised on exercise nodes (`liaison init --exercise`): training
// instances that hold exercise data only, where every principal acts
// inside an exercise, whose signed partner cards say so, and which
// federate only with each other. When every node taking part says (GET
// /api/v1/me) that it is an exercise node, the player loads the
// scenario's alerts (shared with all partners) and plays the timeline's
// border checks, notices (drafted and submitted by the SPOC; the decision
// is left to the exercise's reviewers) and hit/no-hit queries (answered
// by the exercise partners from exercise records). Played into real nodes,
// those events are reported as skipped, saying why; a mix of exercise and
// real nodes is refused.
//
// [Clean] erases every exercise record an exercise token can see on a
// node, one audited erasure each; it never touches real data, which an
// exercise token cannot read. On an exercise node it also cancels every
// notice and alert of the node still in circulation, each cancellation
// audited and sent to the partners that hold it.
//
// # Playing a timeline
//
// [Player] reads timeline.jsonl and performs each event at its offset
// divided by a speed factor: records are created, shared (as a message
// carrying the reference), messaged and withdrawn by the actor's node, and
// on exercise nodes queried, looked up at the border and put on notices.
// Records of the background networks, which the timeline does not create,
// are loaded before the clock starts.
package exercise
