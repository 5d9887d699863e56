//! The business vocabulary stage 1 matches headers with (src/vocabulary.toml): how a header is
//! read as words (accents folded, camelCase, snake_case and compounds split, abbreviations
//! expanded, units and bracketed notes set aside), the entities a table can be about, and the
//! concepts a column can hold, each with its names in seven languages. Pure: the vocabulary is
//! compiled into the binary and read once.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use serde::Deserialize;
use unicode_normalization::UnicodeNormalization;

/// What a concept's values look like, for the evidence the column's values give.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConceptKind {
    Text,
    Code,
    Money,
    Number,
    Integer,
    Boolean,
    Date,
    Datetime,
    Email,
    Url,
    Phone,
    Country,
    Currency,
}

/// One thing a column can hold, such as a product's code or an invoice's due date.
#[derive(Debug)]
pub struct Concept {
    pub id: String,
    pub kind: ConceptKind,
    entity: Option<usize>,
    /// Units the concept takes (a weight's kg or lb), canonical.
    units: Vec<String>,
    /// Its names, read as words, for the similarity of typos.
    pub names: Vec<String>,
}

/// How a name of a concept was reached by a header.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ConceptMatch {
    pub concept: usize,
    pub score: f64,
    /// A name that counts only when the values fit the concept (`CC` for a country).
    pub weak: bool,
}

/// A header (or a field's name) read as words.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reading {
    /// The words, in order, without what was in brackets or a trailing unit.
    pub words: Vec<String>,
    /// Units it carries, canonical (`kg`, `lb`, `usd`).
    pub units: Vec<String>,
    /// Ends with a question mark: a yes/no column ("In stock?").
    pub question: bool,
    /// The words of a note in brackets that is no unit ("Phone (Mobile)": mobile).
    pub notes: Vec<String>,
}

impl Reading {
    pub fn joined(&self) -> String {
        self.words.join(" ")
    }
}

/// Which names a concept answers to, and in what context.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Role {
    /// Names the thing in any table ("product name", "invoice date", or a concept of any table).
    Specific,
    /// Names it only in a table about the concept's entity ("name" in products).
    Generic,
    /// Counts only with the values' support.
    Weak,
}

pub struct Vocabulary {
    pub concepts: Vec<Concept>,
    entities: Vec<Entity>,
    synonyms: HashMap<String, Vec<String>>,
    qualifiers: HashSet<String>,
    /// Qualifiers only at the start of a header.
    leading: HashSet<String>,
    /// Unit word → its canonical form.
    units: HashMap<String, String>,
    /// Every word of the vocabulary, for splitting compounds.
    known: HashSet<String>,
    /// A name's words joined by spaces → the concepts it names, each with its role and whether
    /// the name is a secondary one.
    index: HashMap<String, Vec<Named>>,
    /// The same by the name's words in any order (`key`).
    any_order: HashMap<String, Vec<Named>>,
}

/// A concept a name names: the concept, the name's role, and whether it is a secondary name.
type Named = (usize, Role, bool);

struct Entity {
    tables: HashSet<String>,
    words: HashSet<String>,
    /// Words for a part of the thing ("variant", "option"): set aside before a code, a number or
    /// a flag ("Variant Price"), never before a text ("Variant Name" is not the product's name).
    parts: HashSet<String>,
}

#[derive(Deserialize)]
struct VocabularyFile {
    entity: Vec<EntityFile>,
    synonyms: HashMap<String, String>,
    qualifiers: QualifiersFile,
    units: HashMap<String, Vec<String>>,
    concept: Vec<ConceptFile>,
}

#[derive(Deserialize)]
struct EntityFile {
    id: String,
    tables: Vec<String>,
    words: Vec<String>,
    #[serde(default)]
    parts: Vec<String>,
}

#[derive(Deserialize)]
struct QualifiersFile {
    words: Vec<String>,
    #[serde(default)]
    leading: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConceptFile {
    id: String,
    entity: Option<String>,
    kind: ConceptKind,
    #[serde(default)]
    units: Vec<String>,
    names: Vec<String>,
    #[serde(default)]
    weak: Vec<String>,
    /// Names, in any language, that name the concept less surely than the others: a column so
    /// named yields to one named by another name ("Valor" to "Total", "Net weight" to "Gross
    /// weight"), and takes the field alone.
    #[serde(default)]
    secondary: Vec<String>,
    #[serde(default)]
    de: Vec<String>,
    #[serde(default)]
    fr: Vec<String>,
    #[serde(default)]
    es: Vec<String>,
    #[serde(default)]
    it: Vec<String>,
    #[serde(default)]
    nl: Vec<String>,
    #[serde(default)]
    pt: Vec<String>,
}

/// The shipped vocabulary. A broken file is a build defect, caught by the unit tests.
pub static VOCABULARY: LazyLock<Vocabulary> = LazyLock::new(|| {
    Vocabulary::parse(include_str!("vocabulary.toml")).unwrap_or_else(|_| Vocabulary::empty())
});

/// Words that make a header a yes/no question without naming anything ("Is Paid", "PAID_FLAG").
const FLAG_WORDS: [&str; 4] = ["is", "has", "flag", "can"];

/// Score of a header that reaches a concept by one of its names.
pub const CONCEPT_SCORE: f64 = 0.9;
/// By a name once qualifiers ("billing", "default") or flag words ("is") are set aside.
pub const QUALIFIED_SCORE: f64 = 0.88;
/// By a weak name with the values' support.
pub const WEAK_SCORE: f64 = 0.86;
/// Less, for a name's words found in another order.
const REORDERED_PENALTY: f64 = 0.01;
/// Less, for a secondary name.
const SECONDARY_PENALTY: f64 = 0.03;

impl Vocabulary {
    fn empty() -> Vocabulary {
        Vocabulary {
            concepts: Vec::new(),
            entities: Vec::new(),
            synonyms: HashMap::new(),
            qualifiers: HashSet::new(),
            leading: HashSet::new(),
            units: HashMap::new(),
            known: HashSet::new(),
            index: HashMap::new(),
            any_order: HashMap::new(),
        }
    }

    pub fn parse(text: &str) -> Result<Vocabulary, toml::de::Error> {
        let file: VocabularyFile = toml::from_str(text)?;
        let mut vocabulary = Vocabulary::empty();
        let plain = |text: &str| -> Vec<String> {
            let mut words = Vec::new();
            for (segment, _) in segments(text) {
                push_words(&segment, &mut words);
            }
            words
        };
        for (word, replacement) in &file.synonyms {
            vocabulary.synonyms.insert(fold(word), plain(replacement));
        }
        vocabulary.qualifiers = file
            .qualifiers
            .words
            .iter()
            .map(|word| fold(word))
            .collect();
        vocabulary.leading = file
            .qualifiers
            .leading
            .iter()
            .map(|word| fold(word))
            .collect();
        for words in file.units.values() {
            for word in words {
                vocabulary
                    .units
                    .insert(fold(word), canonical_unit(&fold(word)));
            }
        }
        // The known words: every word a name, an entity, a synonym or a qualifier uses.
        let mut known: HashSet<String> = HashSet::new();
        for entity in &file.entity {
            known.extend(entity.words.iter().map(|word| fold(word)));
            known.extend(entity.parts.iter().map(|word| fold(word)));
        }
        for (word, replacement) in &file.synonyms {
            known.insert(fold(word));
            known.extend(plain(replacement));
        }
        known.extend(vocabulary.qualifiers.iter().cloned());
        known.extend(vocabulary.leading.iter().cloned());
        for concept in &file.concept {
            for name in concept.all_names().chain(&concept.secondary) {
                known.extend(plain(name));
            }
        }
        known.retain(|word| word.chars().count() >= 2);
        vocabulary.known = known;
        vocabulary.entities = file
            .entity
            .iter()
            .map(|entity| Entity {
                tables: entity.tables.iter().map(|table| fold(table)).collect(),
                words: entity.words.iter().map(|word| fold(word)).collect(),
                parts: entity.parts.iter().map(|word| fold(word)).collect(),
            })
            .collect();
        let entity_ids: Vec<&str> = file
            .entity
            .iter()
            .map(|entity| entity.id.as_str())
            .collect();
        for concept in &file.concept {
            let entity = concept
                .entity
                .as_deref()
                .and_then(|id| entity_ids.iter().position(|known| *known == id));
            let index = vocabulary.concepts.len();
            vocabulary.concepts.push(Concept {
                id: concept.id.clone(),
                kind: concept.kind,
                entity,
                units: concept
                    .units
                    .iter()
                    .map(|unit| canonical_unit(&fold(unit)))
                    .collect(),
                names: Vec::new(),
            });
            let names = concept
                .all_names()
                .map(|name| (name, false))
                .chain(concept.secondary.iter().map(|name| (name, true)));
            for (name, secondary) in names {
                let words = vocabulary.read(name).words;
                if words.is_empty() {
                    continue;
                }
                vocabulary.concepts[index].names.push(words.join(" "));
                let Some(entity) = entity else {
                    vocabulary.add_name(&words, (index, Role::Specific, secondary));
                    continue;
                };
                let entity_words = &vocabulary.entities[entity].words;
                let without: Vec<String> = words
                    .iter()
                    .filter(|word| !entity_words.contains(*word))
                    .cloned()
                    .collect();
                if without.len() == words.len() {
                    vocabulary.add_name(&words, (index, Role::Generic, secondary));
                } else {
                    vocabulary.add_name(&words, (index, Role::Specific, secondary));
                    // "Code" for a customer's code names it less surely than "Customer Code":
                    // a secondary name, unless the concept lists it of its own.
                    if !without.is_empty() {
                        vocabulary.add_name(&without, (index, Role::Generic, true));
                    }
                }
            }
            for name in &concept.weak {
                let words = vocabulary.read(name).words;
                vocabulary.add_name(&words, (index, Role::Weak, false));
            }
        }
        Ok(vocabulary)
    }

    fn add_name(&mut self, words: &[String], named: Named) {
        let (concept, role, secondary) = named;
        // A name is also found without its joining words ("prix de vente" as "prix vente"), when
        // two words or more are left: "in stock" is no "stock".
        let unjoined: Vec<String> = words
            .iter()
            .filter(|word| !JOINING_WORDS.contains(&word.as_str()))
            .cloned()
            .collect();
        if unjoined.len() >= 2 && unjoined.len() < words.len() {
            self.add_name(&unjoined, named);
        }
        for (index, key) in [
            (&mut self.index, words.join(" ")),
            (&mut self.any_order, key(words)),
        ] {
            let entry = index.entry(key).or_default();
            match entry.iter_mut().find(|(known, _, _)| *known == concept) {
                Some((_, known_role, known_secondary)) => {
                    // A name that is specific somewhere stays specific, and one that is a
                    // primary name somewhere stays primary.
                    if *known_role != Role::Specific {
                        *known_role = role;
                    }
                    *known_secondary &= secondary;
                }
                None => entry.push((concept, role, secondary)),
            }
        }
    }

    /// How many concepts a one-word name names, in any table ("nom": a product's name and a
    /// person's last name).
    pub fn meanings(&self, word: &str) -> usize {
        self.index.get(word).map_or(0, Vec::len)
    }

    /// The entity a table is about, from the words of its name (`sales_invoices`: invoice).
    pub fn table_entity(&self, table: &str) -> Option<usize> {
        let words = self.read(table).words;
        words.iter().rev().find_map(|word| {
            self.entities
                .iter()
                .position(|entity| entity.tables.contains(word))
        })
    }

    /// Reads a header or a name as words: see the module's comment.
    pub fn read(&self, text: &str) -> Reading {
        let mut reading = Reading {
            question: text.trim_end().ends_with('?'),
            ..Reading::default()
        };
        // A one-letter prefix of a technical name ("v_products_model", "s.town") names the
        // export's table alias, not the column; an abbreviation ("Q.tà") is no prefix: what
        // follows the alias is a word of three letters or more.
        let trimmed = text.trim_start();
        let text = match trimmed.as_bytes() {
            [letter, b'_' | b'.', ..]
                if letter.is_ascii_alphabetic()
                    && trimmed[2..]
                        .chars()
                        .take_while(|character| character.is_alphanumeric())
                        .count()
                        >= 3 =>
            {
                &trimmed[2..]
            }
            _ => text,
        };
        for (segment, bracketed) in segments(text) {
            let mut words = Vec::new();
            push_words(&segment, &mut words);
            if bracketed {
                // A note in brackets ("(kg)", "(0/1)", "(HTML)") is not part of the name; a unit
                // in it is kept as evidence, and its other words as a note.
                for word in words {
                    match self.units.get(&word) {
                        Some(unit) => reading.units.push(unit.clone()),
                        None => self.push_read(&word, &mut reading.notes),
                    }
                }
                continue;
            }
            for word in words {
                self.push_read(&word, &mut reading.words);
            }
        }
        // A trailing unit word ("weight_kg", "Price USD") is a unit, when something is left.
        while reading.words.len() > 1
            && let Some(unit) = reading
                .words
                .last()
                .filter(|word| word.len() >= 2 && !AMBIGUOUS_UNITS.contains(&word.as_str()))
                .and_then(|word| self.units.get(word))
        {
            reading.units.push(unit.clone());
            reading.words.pop();
        }
        reading
    }

    /// One word, with its synonyms applied and a compound of two known words split.
    fn push_read(&self, word: &str, out: &mut Vec<String>) {
        if let Some(replacement) = self.synonyms.get(word) {
            out.extend(replacement.iter().cloned());
            return;
        }
        // German written without umlauts ("Waehrung", "Faelligkeit"): the folded spelling.
        if !self.known.contains(word) && ["ae", "oe", "ue"].iter().any(|pair| word.contains(pair)) {
            let folded = word
                .replace("ae", "a")
                .replace("oe", "o")
                .replace("ue", "u");
            if self.known.contains(&folded) || self.split_compound(&folded).is_some() {
                return self.push_read(&folded, out);
            }
        }
        // A vendor's two-letter prefix run into a known word ("OXARTNUM", "OXTITLE"), when it
        // is none of the language's own ("restock", "unit").
        if word.chars().count() >= 5
            && !self.known.contains(word)
            && word.is_ascii()
            && !WORD_PREFIXES.contains(&&word[..2])
        {
            let rest = &word[2..];
            if self.known.contains(rest) || self.synonyms.contains_key(rest) {
                return self.push_read(rest, out);
            }
            if let Some((first, second)) = self.split_compound(rest)
                && !self.known.contains(&word[..2])
            {
                for part in [first, second] {
                    self.push_read(&part, out);
                }
                return;
            }
        }
        // A plural the vocabulary does not know, of a word it knows ("Purchases").
        if word.chars().count() >= 5
            && !self.known.contains(word)
            && let Some(singular) = word.strip_suffix('s')
            && self.known.contains(singular)
        {
            out.push(singular.to_string());
            return;
        }
        // Known words are split too when they are compounds of two (a name written
        // `Artikelnummer` and a header written `Artikel-Nr.` must read the same).
        if word.chars().count() < 6 {
            out.push(word.to_string());
            return;
        }
        match self.split_compound(word) {
            Some((first, second)) => {
                for part in [first, second] {
                    match self.synonyms.get(&part) {
                        Some(replacement) => out.extend(replacement.iter().cloned()),
                        None => out.push(part),
                    }
                }
            }
            None => out.push(word.to_string()),
        }
    }

    /// `artikelnummer` → `artikel` + `nummer`, `rechnungsdatum` → `rechnung` + `datum` (a
    /// linking s), `stockqty` → `stock` + `qty`: both parts known words of three letters or more.
    fn split_compound(&self, word: &str) -> Option<(String, String)> {
        let characters: Vec<char> = word.chars().collect();
        let is_known = |part: &str| self.known.contains(part) || self.synonyms.contains_key(part);
        // The longest known second part first: "kundennummer" is kunden + nummer.
        for split in 3..=characters.len().saturating_sub(2) {
            let first: String = characters[..split].iter().collect();
            let second: String = characters[split..].iter().collect();
            // A second part of two letters only as an abbreviation (Kundennr).
            let long_enough = characters.len() - split >= 3 || self.synonyms.contains_key(&second);
            if !long_enough || !is_known(&second) {
                continue;
            }
            if is_known(&first) {
                return Some((first, second));
            }
            if let Some(stem) = first.strip_suffix('s')
                && stem.chars().count() >= 3
                && is_known(stem)
            {
                return Some((stem.to_string(), second));
            }
        }
        None
    }

    /// The concepts a header (or a field's name) reaches in a table about `entity`, best first.
    /// A header whose words as they stand name a concept is that concept: the forms with words
    /// set aside count only when they do not ("Net Amount" is a subtotal, not an amount).
    pub fn concepts(&self, reading: &Reading, entity: Option<usize>) -> Vec<ConceptMatch> {
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
    pub fn concepts_set_aside(
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
    pub fn whole_concepts(&self, reading: &Reading, entity: Option<usize>) -> Vec<ConceptMatch> {
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
            let names: Vec<(usize, Role, bool, f64)> = in_order
                .map(|&(concept, role, secondary)| (concept, role, secondary, score))
                .chain(any_order)
                .collect();
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
    pub fn forms(&self, reading: &Reading, entity: Option<usize>) -> Vec<(Vec<String>, f64, Form)> {
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
        // Joining words carry no meaning of their own ("Prénom du contact", "Nombre del
        // cliente"); a name is found without them.
        add(keep(&is_joining), CONCEPT_SCORE, Form::Any);
        add(
            keep(&|word| is_entity(word) || is_joining(word)),
            CONCEPT_SCORE,
            Form::Any,
        );
        add(keep(&is_qualifier), QUALIFIED_SCORE, Form::Any);
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
            add(
                keep(&|word| ["incl", "excl", "tax"].contains(&word.as_str()) || is_joining(word)),
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
        for form in [words.clone(), plain] {
            if form.len() > 1
                && form
                    .last()
                    .is_some_and(|last| ["number", "code", "id"].contains(&last.as_str()))
            {
                add(form[..form.len() - 1].to_vec(), QUALIFIED_SCORE, Form::Code);
            }
        }
        forms
    }
}

impl ConceptFile {
    fn all_names(&self) -> impl Iterator<Item = &String> {
        self.names
            .iter()
            .chain(&self.de)
            .chain(&self.fr)
            .chain(&self.es)
            .chain(&self.it)
            .chain(&self.nl)
            .chain(&self.pt)
    }
}

/// What a form of a header may stand for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    Any,
    /// Flag words set aside: only a yes/no concept.
    Flag,
    /// A last "number", "code" or "id" set aside: only a code.
    Code,
    /// Words for "an amount of" set aside: only a money concept.
    Money,
    /// Words for "the date of" set aside: only a date.
    Date,
    /// A part's word set aside ("Variant Price"): anything but a text.
    Measure,
}

impl Form {
    /// Whether a concept of this kind may be named by a form of this sort.
    pub fn fits(self, kind: ConceptKind) -> bool {
        match self {
            Form::Any => true,
            Form::Flag => kind == ConceptKind::Boolean,
            Form::Code => kind == ConceptKind::Code,
            Form::Money => kind == ConceptKind::Money,
            Form::Date => matches!(kind, ConceptKind::Date | ConceptKind::Datetime),
            Form::Measure => kind != ConceptKind::Text,
        }
    }
}

/// The key a name is found under: its words as a set, in any order, since the languages put
/// them in different orders ("postal code", "code postal", "código postal"; "customer name",
/// "nombre cliente").
fn key(words: &[String]) -> String {
    let mut sorted: Vec<&str> = words.iter().map(String::as_str).collect();
    sorted.sort_unstable();
    sorted.join(" ")
}

/// Two letters that begin words of the languages themselves, never taken for a vendor's prefix.
const WORD_PREFIXES: [&str; 15] = [
    "re", "un", "in", "im", "de", "di", "ex", "co", "en", "em", "up", "bi", "pr", "ne", "id",
];

/// Words that join others and name nothing, in the seven languages (folded).
const JOINING_WORDS: [&str; 29] = [
    "of", "the", "in", "de", "du", "des", "la", "le", "les", "l", "d", "del", "della", "dello",
    "dei", "di", "do", "dos", "da", "das", "van", "von", "im", "zum", "zur", "vom", "beim", "dem",
    "to",
];

/// Words that make a header "the amount of" something (folded).
const MONEY_WORDS: [&str; 17] = [
    "total", "amount", "sum", "value", "totale", "importe", "importo", "montant", "betrag",
    "bedrag", "valor", "valore", "valeur", "cuota", "quota", "totaal", "unit",
];

/// Words that make a header "the date (or time) of" something (folded).
const DATE_WORDS: [&str; 9] = [
    "date", "time", "at", "on", "datum", "fecha", "data", "am", "op",
];

/// Unit words that are also ordinary words, taken as units only in brackets.
const AMBIGUOUS_UNITS: [&str; 4] = ["in", "m", "g", "ft"];

fn canonical_unit(unit: &str) -> String {
    match unit {
        "kgs" | "kilograms" => "kg",
        "gr" | "grams" => "g",
        "lbs" | "pounds" => "lb",
        "ounces" => "oz",
        "inch" | "inches" => "in",
        other => other,
    }
    .to_string()
}

/// The text split at brackets: each part, and whether it stood inside brackets.
fn segments(text: &str) -> Vec<(String, bool)> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut depth = 0usize;
    for character in text.chars() {
        match character {
            '(' | '[' | '{' => {
                parts.push((std::mem::take(&mut current), depth > 0));
                depth += 1;
            }
            ')' | ']' | '}' if depth > 0 => {
                parts.push((std::mem::take(&mut current), true));
                depth -= 1;
            }
            other => current.push(other),
        }
    }
    parts.push((current, depth > 0));
    parts.retain(|(part, _)| !part.trim().is_empty());
    parts
}

/// Splits text into folded lower-case words: at spaces and punctuation, camelCase humps
/// (`unitPrice`), the end of an acronym (`POCity`), letters against digits (`Option1`); `#` and
/// `N°` read as "number", `%` as "percent", "e mail" as "email".
fn push_words(text: &str, words: &mut Vec<String>) {
    let start = words.len();
    let mut current = String::new();
    let characters: Vec<char> = text.chars().collect();
    let finish = |current: &mut String, words: &mut Vec<String>| {
        if !current.is_empty() {
            words.push(fold(current));
            current.clear();
        }
    };
    for (position, &character) in characters.iter().enumerate() {
        let previous = position.checked_sub(1).map(|at| characters[at]);
        let next = characters.get(position + 1).copied();
        if character.is_alphanumeric() && character != 'º' {
            let boundary = match previous {
                Some(previous) if previous.is_alphanumeric() => {
                    // weightKg: a hump after lower-case letters; POCity: the last capital of a
                    // run that starts a word; Option1: letters then digits.
                    (character.is_uppercase()
                        && previous.is_lowercase()
                        && lower_run(&current) >= 2)
                        || (character.is_uppercase()
                            && previous.is_uppercase()
                            && next.is_some_and(char::is_lowercase)
                            && current.chars().count() >= 2)
                        || (character.is_numeric() != previous.is_numeric())
                }
                _ => false,
            };
            if boundary {
                finish(&mut current, words);
            }
            current.push(character);
        } else {
            finish(&mut current, words);
            match character {
                '#' => words.push("number".to_string()),
                '°' | 'º' => {
                    // N° and Nº: the n is part of the sign.
                    if words.len() > start && words.last().is_some_and(|word| word == "n") {
                        words.pop();
                    }
                    words.push("number".to_string());
                }
                '%' => words.push("percent".to_string()),
                _ => {}
            }
        }
    }
    finish(&mut current, words);
    // "e mail" and "e mails" are one word.
    let mut index = start;
    while index + 1 < words.len() {
        if words[index] == "e" && (words[index + 1] == "mail" || words[index + 1] == "mails") {
            let joined = format!("e{}", words[index + 1]);
            words.splice(index..index + 2, [joined]);
        }
        index += 1;
    }
}

/// Lower-case letters at the end of the word being built.
fn lower_run(current: &str) -> usize {
    current
        .chars()
        .rev()
        .take_while(|character| character.is_lowercase())
        .count()
}

/// Lower case without accents: `Référence` → `reference`, `Straße` → `strasse`, `Fällig` →
/// `fallig`.
pub fn fold(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    for character in text.nfd() {
        if unicode_normalization::char::is_combining_mark(character) {
            continue;
        }
        match character {
            'ß' => folded.push_str("ss"),
            'æ' | 'Æ' => folded.push_str("ae"),
            'œ' | 'Œ' => folded.push_str("oe"),
            'ø' | 'Ø' => folded.push('o'),
            'ł' | 'Ł' => folded.push('l'),
            'đ' | 'Đ' => folded.push('d'),
            other => folded.extend(other.to_lowercase()),
        }
    }
    folded
}

#[cfg(test)]
mod tests;
