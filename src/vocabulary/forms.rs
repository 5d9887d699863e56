//! Which concepts a reading names: its forms with words set aside by what they say (the table's
//! entity, joining words, qualifiers, flag, money and date words, a part's word, a last
//! "number"), looked up in order and in any order, two names of one concept in one header, and a
//! note in brackets that names another thing of the same kind.

use super::{
    CONCEPT_SCORE, ConceptKind, ConceptMatch, QUALIFIED_SCORE, REORDERED_PENALTY, Reading, Role,
    SECONDARY_PENALTY, Vocabulary, WEAK_SCORE, key,
};

/// Words that make a header a yes/no question without naming anything ("Is Paid", "PAID_FLAG").
const FLAG_WORDS: [&str; 4] = ["is", "has", "flag", "can"];

impl Vocabulary {
    /// The concepts a header (or a field's name) reaches in a table about `entity`, best first.
    /// A header whose words as they stand name a concept is that concept: the forms with words
    /// set aside count only when they do not ("Net Amount" is a subtotal, not an amount).
    pub(crate) fn concepts(&self, reading: &Reading, entity: Option<usize>) -> Vec<ConceptMatch> {
        self.noted(reading, entity, self.concepts_of_words(reading, entity))
    }

    /// A note in brackets that names another thing of the same kind says which one it is:
    /// "Phone (Mobile)" is the mobile number, "Phone (Work)" stays a phone.
    fn noted(
        &self,
        reading: &Reading,
        entity: Option<usize>,
        found: Vec<ConceptMatch>,
    ) -> Vec<ConceptMatch> {
        if reading.notes.is_empty() {
            return found;
        }
        let note = Reading {
            words: reading.notes.clone(),
            ..Reading::default()
        };
        let noted = self.plain_whole_concepts(&note, entity);
        match (found.first(), noted.iter().find(|noted| !noted.weak)) {
            (Some(first), Some(noted))
                if first.concept != noted.concept
                    && self.concepts[first.concept].kind == self.concepts[noted.concept].kind =>
            {
                vec![ConceptMatch {
                    concept: noted.concept,
                    score: first.score,
                    weak: false,
                }]
            }
            _ => found,
        }
    }

    fn concepts_of_words(&self, reading: &Reading, entity: Option<usize>) -> Vec<ConceptMatch> {
        let whole = self.plain_whole_concepts(reading, entity);
        if whole.iter().any(|found| !found.weak) {
            return whole;
        }
        let found = self.concepts_of_forms(reading, self.forms(reading, entity), entity);
        if found.iter().any(|found| !found.weak) {
            return found;
        }
        let mut found = found;
        found.extend(self.two_names(reading, entity));
        found
    }

    /// A header made of two names of one concept ("EAN / GTIN", "On Hand Inventory", "Stock
    /// Qty"): that concept, with a qualified name's score. Each part is read as a header of its
    /// own, words set aside included.
    fn two_names(&self, reading: &Reading, entity: Option<usize>) -> Vec<ConceptMatch> {
        let words = &reading.words;
        let mut found: Vec<ConceptMatch> = Vec::new();
        for split in 1..words.len() {
            let part = |range: &[String]| {
                let part = Reading {
                    words: range.to_vec(),
                    units: reading.units.clone(),
                    question: reading.question,
                    notes: Vec::new(),
                };
                let forms = self.forms(&part, entity);
                self.concepts_of_forms(&part, forms, entity)
                    .into_iter()
                    .filter(|found| !found.weak)
                    .map(|found| found.concept)
                    .collect::<Vec<usize>>()
            };
            let (first, second) = (part(&words[..split]), part(&words[split..]));
            for concept in first {
                if second.contains(&concept) && !found.iter().any(|known| known.concept == concept)
                {
                    found.push(ConceptMatch {
                        concept,
                        score: QUALIFIED_SCORE,
                        weak: false,
                    });
                }
            }
        }
        found
    }

    /// The concepts a header reaches only with words set aside: what it may name when the
    /// column's values rule out what its words as they stand name (`In stock` over counts).
    pub(crate) fn concepts_set_aside(
        &self,
        reading: &Reading,
        entity: Option<usize>,
    ) -> Vec<ConceptMatch> {
        let forms = self
            .forms(reading, entity)
            .into_iter()
            .filter(|(words, _, _)| *words != reading.words)
            .collect();
        self.concepts_of_forms(reading, forms, entity)
    }

    /// The concepts a header reaches by its words as they stand (no word set aside), and its note.
    pub(crate) fn whole_concepts(
        &self,
        reading: &Reading,
        entity: Option<usize>,
    ) -> Vec<ConceptMatch> {
        self.noted(reading, entity, self.plain_whole_concepts(reading, entity))
    }

    fn plain_whole_concepts(&self, reading: &Reading, entity: Option<usize>) -> Vec<ConceptMatch> {
        let whole = vec![(reading.words.clone(), CONCEPT_SCORE, Form::Any)];
        self.concepts_of_forms(reading, whole, entity)
    }

    fn concepts_of_forms(
        &self,
        reading: &Reading,
        forms: Vec<(Vec<String>, f64, Form)>,
        entity: Option<usize>,
    ) -> Vec<ConceptMatch> {
        let mut found: Vec<ConceptMatch> = Vec::new();
        for (words, score, form) in forms {
            // The same words in the same order first; in another order ("code postal", "price
            // net") a little lower, so that a name in its own order wins a tie.
            let in_order = self.index.get(&words.join(" ")).into_iter().flatten();
            let any_order = self.any_order.get(&key(&words)).into_iter().flatten().map(
                |&(concept, role, secondary)| (concept, role, secondary, score - REORDERED_PENALTY),
            );
            let names = in_order
                .map(|&(concept, role, secondary)| (concept, role, secondary, score))
                .chain(any_order);
            for (concept_index, role, secondary, score) in names {
                let score = if secondary {
                    score - SECONDARY_PENALTY
                } else {
                    score
                };
                let concept = &self.concepts[concept_index];
                let in_context = match (concept.entity, entity) {
                    (Some(own), Some(table)) => own == table,
                    _ => true,
                };
                let fits_form = form.fits(concept.kind);
                if (role != Role::Specific && !in_context) || !fits_form {
                    continue;
                }
                if let (Some(unit), false) = (reading.units.first(), concept.units.is_empty())
                    && !concept.units.contains(unit)
                {
                    continue;
                }
                let (score, weak) = if role == Role::Weak {
                    (WEAK_SCORE, true)
                } else {
                    (score, false)
                };
                match found
                    .iter_mut()
                    .find(|known| known.concept == concept_index)
                {
                    Some(known) if known.score < score => {
                        known.score = score;
                        known.weak = weak;
                    }
                    Some(_) => {}
                    None => found.push(ConceptMatch {
                        concept: concept_index,
                        score,
                        weak,
                    }),
                }
            }
        }
        found.sort_by(|left, right| right.score.total_cmp(&left.score));
        found
    }

    /// The forms of a reading to look up, each with the score a name found by it gets and what
    /// it may stand for: as it is, without the words of the table's entity, without qualifiers
    /// and numbers, without flag words (a yes/no concept only), without a last "number", "code"
    /// or "id" (a code only: `SKU#` is the SKU).
    pub(crate) fn forms(
        &self,
        reading: &Reading,
        entity: Option<usize>,
    ) -> Vec<(Vec<String>, f64, Form)> {
        let words = &reading.words;
        let entity_words = entity.map(|entity| &self.entities[entity].words);
        let is_entity = |word: &String| entity_words.is_some_and(|set| set.contains(word));
        let part_words = entity.map(|entity| &self.entities[entity].parts);
        let is_part = |word: &String| part_words.is_some_and(|set| set.contains(word));
        let is_qualifier = |word: &String| {
            self.qualifiers.contains(word) || word.bytes().all(|b| b.is_ascii_digit())
        };
        let is_flag = |word: &String| FLAG_WORDS.contains(&word.as_str());
        let is_joining = |word: &String| JOINING_WORDS.contains(&word.as_str());
        let keep = |drop: &dyn Fn(&String) -> bool| -> Vec<String> {
            words.iter().filter(|word| !drop(word)).cloned().collect()
        };
        let mut forms: Vec<(Vec<String>, f64, Form)> = Vec::new();
        // What is left must still name something: "PO Number" less its qualifier is no bare
        // "number", nor "Work number" (those stay whole).
        let bare = |form: &[String]| {
            form.len() < words.len()
                && form
                    .iter()
                    .all(|word| ["number", "code", "id", "name"].contains(&word.as_str()))
        };
        let mut add = |form: Vec<String>, score: f64, kind: Form| {
            let reduced_to_nothing = score < CONCEPT_SCORE && bare(&form);
            if !form.is_empty()
                && !reduced_to_nothing
                && !forms.iter().any(|(known, _, _)| *known == form)
            {
                forms.push((form, score, kind));
            }
        };
        add(words.clone(), CONCEPT_SCORE, Form::Any);
        // A field of a numbered group, as address books export them ("Phone 1 - Value",
        // "E-mail 2 - Value"): the value of the field is the field.
        if let [rest @ .., number, last] = words.as_slice()
            && last == "value"
            && number.bytes().all(|byte| byte.is_ascii_digit())
            && !rest.is_empty()
        {
            add(rest.to_vec(), CONCEPT_SCORE, Form::Any);
        }
        // Joining words carry no meaning of their own ("Prénom du contact", "Nombre del
        // cliente"); a name is found without them.
        add(keep(&is_joining), CONCEPT_SCORE, Form::Any);
        add(
            keep(&|word| is_entity(word) || is_joining(word)),
            CONCEPT_SCORE,
            Form::Any,
        );
        add(keep(&is_qualifier), QUALIFIED_SCORE, Form::Any);
        // Qualifiers and joining words, the entity's words kept ("Artikelnummer im Shop").
        add(
            keep(&|word| is_qualifier(word) || is_joining(word)),
            QUALIFIED_SCORE,
            Form::Any,
        );
        let plain = keep(&|word| is_entity(word) || is_qualifier(word) || is_joining(word));
        add(plain.clone(), QUALIFIED_SCORE, Form::Any);
        add(keep(&is_part), QUALIFIED_SCORE, Form::Measure);
        add(
            keep(&|word| {
                is_part(word) || is_entity(word) || is_qualifier(word) || is_joining(word)
            }),
            QUALIFIED_SCORE,
            Form::Measure,
        );
        add(keep(&is_flag), QUALIFIED_SCORE, Form::Flag);
        add(
            keep(&|word| is_flag(word) || is_entity(word) || is_qualifier(word)),
            QUALIFIED_SCORE,
            Form::Flag,
        );
        // Taxes included or not ("Price tax excluded", "Totaal incl. btw"): set aside, when no
        // name says it (`total excl tax` is a subtotal).
        if words.iter().any(|word| word == "incl" || word == "excl") {
            let is_tax_word = |word: &String| ["incl", "excl", "tax"].contains(&word.as_str());
            add(
                keep(&|word| is_tax_word(word) || is_joining(word)),
                QUALIFIED_SCORE,
                Form::Any,
            );
            // And with qualifiers too ("NormalPriceWithoutVAT").
            add(
                keep(&|word| {
                    is_tax_word(word) || is_joining(word) || is_qualifier(word) || is_entity(word)
                }),
                QUALIFIED_SCORE,
                Form::Any,
            );
        }
        // A word that says "an amount of" ("Total IVA", "Sales Tax Value", "Cuota IVA") is set
        // aside for a money concept only; one that says "the date of" ("Added Time", "Data
        // incasso") for a date only.
        let is_money_word = |word: &String| MONEY_WORDS.contains(&word.as_str());
        let is_date_word = |word: &String| DATE_WORDS.contains(&word.as_str());
        for (drop, kind) in [
            (&is_money_word as &dyn Fn(&String) -> bool, Form::Money),
            (&is_date_word, Form::Date),
        ] {
            add(
                keep(&|word| drop(word) || is_joining(word)),
                QUALIFIED_SCORE,
                kind,
            );
            add(
                keep(&|word| {
                    drop(word) || is_joining(word) || is_entity(word) || is_qualifier(word)
                }),
                QUALIFIED_SCORE,
                kind,
            );
        }
        // Leading qualifiers and entity words, one at a time ("Default Address Address1" is an
        // address line 1, "Default Address Company" a company).
        let mut rest: &[String] = words;
        while rest.len() > 1
            && (is_qualifier(&rest[0]) || is_entity(&rest[0]) || self.leading.contains(&rest[0]))
        {
            rest = &rest[1..];
            add(rest.to_vec(), QUALIFIED_SCORE, Form::Any);
        }
        // And trailing qualifiers, one at a time ("Street address line 1 - Work").
        let mut rest: &[String] = words;
        while rest.len() > 1
            && rest
                .last()
                .is_some_and(|last| self.qualifiers.contains(last))
        {
            rest = &rest[..rest.len() - 1];
            add(rest.to_vec(), QUALIFIED_SCORE, Form::Any);
        }
        // A part's own code ("VariationBarcode.code" is the barcode) as well.
        for form in [words.clone(), plain, keep(&is_part)] {
            if form.len() > 1
                && form
                    .last()
                    .is_some_and(|last| ["number", "code", "id"].contains(&last.as_str()))
            {
                let kind = if form.last().is_some_and(|last| last == "id") {
                    Form::Id
                } else {
                    Form::Code
                };
                add(form[..form.len() - 1].to_vec(), QUALIFIED_SCORE, kind);
            }
        }
        forms
    }
}

/// What a form of a header may stand for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Form {
    Any,
    /// Flag words set aside: only a yes/no concept.
    Flag,
    /// A last "number" or "code" set aside: only a code.
    Code,
    /// A last "id" set aside: only a code, and only for a field of codes (`Category ID` is a
    /// category's key, not the category; `Category Code` may be the category).
    Id,
    /// Words for "an amount of" set aside: only a money concept.
    Money,
    /// Words for "the date of" set aside: only a date.
    Date,
    /// A part's word set aside ("Variant Price"): anything but a text.
    Measure,
}

impl Form {
    /// Whether a concept of this kind may be named by a form of this sort.
    pub(crate) fn fits(self, kind: ConceptKind) -> bool {
        match self {
            Form::Any => true,
            Form::Flag => kind == ConceptKind::Boolean,
            Form::Code | Form::Id => kind == ConceptKind::Code,
            Form::Money => kind == ConceptKind::Money,
            Form::Date => matches!(kind, ConceptKind::Date | ConceptKind::Datetime),
            Form::Measure => kind != ConceptKind::Text,
        }
    }
}

/// Words that join others and name nothing, in the seven languages (folded).
pub(super) const JOINING_WORDS: [&str; 29] = [
    "of", "the", "in", "de", "du", "des", "la", "le", "les", "l", "d", "del", "della", "dello",
    "dei", "di", "do", "dos", "da", "das", "van", "von", "im", "zum", "zur", "vom", "beim", "dem",
    "to",
];

/// Words that make a header "the amount of" something (folded).
const MONEY_WORDS: [&str; 20] = [
    "total", "amount", "sum", "value", "totale", "importe", "importo", "montant", "betrag",
    "bedrag", "valor", "valore", "valeur", "cuota", "quota", "totaal", "unit", "unitaire",
    "unitario", "unitaria",
];

/// Words that make a header "the date (or time) of" something (folded).
const DATE_WORDS: [&str; 9] = [
    "date", "time", "at", "on", "datum", "fecha", "data", "am", "op",
];
