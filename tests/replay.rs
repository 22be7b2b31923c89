//! A historical replay: `models/us_taliban_2020.json` traces the 2013–2020
//! confidence-building path between the United States and the Taliban as
//! the report tells it. Starting from the historical state, the optimal
//! plan must put every conditioned pair of moves in the order the report
//! documents, and the order must follow from the model's conditions (a
//! plan that swaps a pair does not exist), not from a tie-break.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::path::PathBuf;

use seqplan::model::{load_model, Instance, Overrides};
use seqplan::{plan, Model, Outcome, PlanReport, SolveOptions};

/// How the two moves of a pair are ordered.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Order {
    /// The first starts in an earlier round than the second.
    Before,
    /// Both start in the same round.
    SameRound,
}
use Order::{Before, SameRound};

/// The documented pairs: (first, order, second, section, passage). The
/// passages are quoted from Zia and Tariq, "The Taliban's Crisis of
/// Diplomacy" (USIP, December 2022).
const PAIRS: [(&str, Order, &str, &str, &str); 16] = [
    ("doha_office", Before, "bergdahl_exchange",
     "The variable status of the Taliban's Political Office",
     "Developing mutual trust commenced in a serious fashion with the opening of the Doha office in 2013 and the prisoner exchange for Bowe Bergdahl in 2014"),
    ("bergdahl_exchange", Before, "oslo_seminar",
     "The variable status of the Taliban's Political Office",
     "The United States released five senior Taliban members in return for Bergdahl, a U.S. soldier, in 2014 and, the next year, the Taliban attended a low-level peace seminar with Afghan women in Oslo."),
    ("eid_ceasefire", Before, "official_talks",
     "The variable status of the Taliban's Political Office",
     "Arriving at the point where the United States and the Taliban could negotiate in this way, however, required five years of investment in confidence-building measures. ... which continued until the final Eid cease-fire in 2018"),
    ("official_talks", Before, "un_delisting",
     "The variable status of the Taliban's Political Office",
     "During the official U.S.-Taliban negotiations, the Taliban dropped their demand for guarantors to the agreement in September 2019 after the United States arranged for 11 Taliban members to be removed from the U.N. travel ban"),
    ("un_delisting", Before, "guarantor_demand_dropped",
     "The variable status of the Taliban's Political Office",
     "the Taliban dropped their demand for guarantors to the agreement in September 2019 after the United States arranged for 11 Taliban members to be removed from the U.N. travel ban"),
    ("night_raids_end", Before, "urban_centres_commitment",
     "The variable status of the Taliban's Political Office",
     "By December 2019, the Taliban committed not to attack large urban centers after the United States agreed to end night raids."),
    ("guarantor_demand_dropped", Before, "us_taliban_agreement",
     "The variable status of the Taliban's Political Office",
     "the Taliban dropped their demand for guarantors to the agreement in September 2019"),
    ("urban_centres_commitment", Before, "us_taliban_agreement",
     "The variable status of the Taliban's Political Office",
     "The Taliban were capable of compromise on the significant issues of intra-Afghan negotiations and guarantors for the 2020 agreement."),
    ("council_members_join", Before, "us_taliban_agreement",
     "The variable status of the Taliban's Political Office",
     "Midway through the U.S.-Taliban talks in February 2020, four members of the Leadership Council were appointed to the negotiating team"),
    ("us_taliban_agreement", Before, "prisoner_release_5000",
     "The fall of Kabul and the fall of the Taliban's Political Office",
     "the obligation in the 2020 U.S.-Taliban agreement for the Islamic Republic to release 5,000 Taliban prisoners"),
    ("us_pressure_on_ghani", Before, "prisoner_release_5000",
     "The fall of Kabul and the fall of the Taliban's Political Office",
     "Ghani objected to the prisoner release that he had not conceded to, until he was eventually pressured by the United States to move forward by September 2020."),
    ("prisoner_release_5000", Before, "intra_afghan_talks",
     "The fall of Kabul and the fall of the Taliban's Political Office",
     "release 5,000 Taliban prisoners in order to initiate the intra-Afghan negotiations"),
    ("us_taliban_agreement", Before, "heavyweights_join_tpo",
     "The variable status of the Taliban's Political Office",
     "The signing of the 2020 agreement with the United States led to two chief heavyweights joining the TPO"),
    ("heavyweights_join_tpo", SameRound, "intra_afghan_talks",
     "The variable status of the Taliban's Political Office",
     "two chief heavyweights joining the TPO at the start of the intra-Afghan negotiations in 2020"),
    ("prisoner_release_5000", Before, "second_tranche_demand",
     "The fall of Kabul and the fall of the Taliban's Political Office",
     "The United States and the Taliban had also agreed to the release of a second tranche of 7,000 Taliban prisoners by the Islamic Republic."),
    ("intra_afghan_talks", Before, "second_tranche_demand",
     "The fall of Kabul and the fall of the Taliban's Political Office",
     "posed an obstacle to progress in the intra-Afghan negotiations as the Taliban demanded the second prisoner release almost as a precondition for further concessions"),
];

fn model() -> Model {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models/us_taliban_2020.json");
    load_model(&path).unwrap().model
}

fn optimal_plan(model: &Model, scenario: Option<&str>) -> PlanReport {
    let overrides = Overrides {
        scenario: scenario.map(str::to_owned),
        ..Overrides::default()
    };
    let instance = Instance::new(model, &overrides).unwrap();
    match plan(&instance, &SolveOptions::default()).unwrap() {
        Outcome::Plan(report) => report,
        other => panic!("{scenario:?}: no plan ({other:?})"),
    }
}

/// The round `action` first starts in the plan.
fn start(model: &Model, report: &PlanReport, action: &str) -> u32 {
    let index = model
        .action_index(action)
        .unwrap_or_else(|| panic!("no action `{action}`"));
    report
        .moves
        .starts_of(index)
        .next()
        .unwrap_or_else(|| panic!("the plan never takes `{action}`"))
}

#[test]
fn optimal_plan_replays_every_documented_pair_in_order() {
    let model = model();
    let scenarios = std::iter::once(None).chain(model.scenarios.iter().map(|s| Some(s.id.clone())));
    for scenario in scenarios {
        let report = optimal_plan(&model, scenario.as_deref());
        for (first, order, second, section, passage) in PAIRS {
            let (a, b) = (
                start(&model, &report, first),
                start(&model, &report, second),
            );
            let holds = match order {
                Before => a < b,
                SameRound => a == b,
            };
            assert!(
                holds,
                "{scenario:?}: `{first}` ({a}) {order:?} `{second}` ({b}) fails; the report, \"{section}\": \"{passage}\""
            );
        }
    }
}

/// Forcing the second move of a strict pair into the first move's round
/// leaves no plan: the order is a consequence of the model's conditions.
#[test]
fn no_plan_swaps_a_documented_pair() {
    let model = model();
    let base = optimal_plan(&model, None);
    for (first, order, second, _, _) in PAIRS {
        if order != Before {
            continue;
        }
        let round = start(&model, &base, first);
        let overrides = Overrides {
            force: vec![(second.to_owned(), round)],
            ..Overrides::default()
        };
        let instance = Instance::new(&model, &overrides).unwrap();
        let outcome = plan(&instance, &SolveOptions::default()).unwrap();
        assert!(
            matches!(outcome, Outcome::Infeasible),
            "`{second}` can start with `{first}` in round {round}"
        );
    }
}
