//! The business vocabulary stage 1 matches headers with (src/vocabulary.toml): how a header is
//! read as words (accents folded, camelCase, snake_case and compounds split, abbreviations
//! expanded, units and bracketed notes set aside), the entities a table can be about, and the
//! concepts a column can hold, each with its names in seven languages. Pure: the vocabulary is
//! compiled into the binary and read once. This file holds the types and the vocabulary file's
//! reading; `read.rs` how a header is read as words, `forms.rs` which concepts a reading names.
//!
//! In detail (the code map of docs/architecture.md keeps the short version):
//! `vocabulary`: the business vocabulary of stage 1, `src/vocabulary.toml` compiled in and read
//! once (`VOCABULARY`; `vocabulary.rs` the types and the file, `vocabulary/read.rs` the reading,
//! `vocabulary/forms.rs` the forms and concepts). `Vocabulary::read` turns a header or a name into a `Reading` (words:
//! accents folded with unicode-normalization, camelCase, acronyms, letters/digits, `#`/`N°`/`N.`,
//! letters written one by one joined (`P.V.P.`), a locale tag (`en_US`) kept as a note,
//! abbreviations from `[synonyms]`, compounds of two known words split, a one-letter table alias
//! or a vendor's two-letter prefix set aside, German without umlauts and unknown plurals read as
//! the known word; units set aside as evidence, other bracketed words kept as `notes`, a `?`
//! noted); `table_entity` finds the table's entity (product, customer, invoice) from its name;
//! `forms` gives a reading with the entity's words, joining words, qualifiers, flag words, a part's
//! word (`Form::Measure`), money or date words (`Form::Money`, `Form::Date`), taxes included or
//! excluded, or a last "number" set aside; `concepts` the `Concept`s those forms name, looked up by
//! the words in order and, 0.01 lower, in any order (a concept's name without its entity's word
//! counts only in a table about that entity, and as a secondary name; secondary names score 0.03
//! lower; weak names are marked), else two names of one concept in one header; a bracketed note
//! naming another concept of the same kind replaces it. Main types: `Vocabulary`, `Concept`,
//! `ConceptKind`, `ConceptMatch`, `Reading`, `Form`. Pure.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use serde::Deserialize;

pub(crate) use forms::Form;
use forms::JOINING_WORDS;
pub(crate) use read::fold;
use read::{canonical_unit, push_words, segments};

mod forms;
mod read;

/// What a concept's values look like, for the evidence the column's values give.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum ConceptKind {
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
pub(crate) struct Concept {
    pub id: String,
    pub kind: ConceptKind,
    entity: Option<usize>,
    /// Units the concept takes (a weight's kg or lb), canonical.
    units: Vec<String>,
    /// Its names, read as words, for the similarity of typos.
    pub names: Vec<String>,
    /// Those that name it in a table about another entity too: with the entity's word
    /// ("customer id", not "external id").
    specific_names: Vec<String>,
    /// What a header naming it names when the values rule it out: `In stock?` over counts is
    /// the quantity in stock.
    pub instead: Option<usize>,
    /// What a header naming it names too, less surely: an invoice's ID is its number where no
    /// column names the number.
    pub otherwise: Option<usize>,
    /// What the plain one of two columns named as it names ("Description" beside "Long
    /// Description" is the product's name).
    pub plain: Option<usize>,
}

impl Concept {
    /// The names that name it in a table about `entity` (all of them in its own table).
    pub(crate) fn names_in(&self, entity: Option<usize>) -> &[String] {
        if self.entity.is_none() || self.entity == entity {
            &self.names
        } else {
            &self.specific_names
        }
    }
}

/// How a name of a concept was reached by a header.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct ConceptMatch {
    pub concept: usize,
    pub score: f64,
    /// A name that counts only when the values fit the concept (`CC` for a country).
    pub weak: bool,
}

/// A header (or a field's name) read as words.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Reading {
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
    pub(crate) fn joined(&self) -> String {
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

pub(crate) struct Vocabulary {
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
    /// The concept of its code (`product.sku`), which a header of its word alone over codes
    /// names ("Articolo" of `MG-2041`, "Cliente" of `C0042`).
    code: Option<usize>,
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
    code: Option<String>,
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
    /// The concept a header naming this one names when its column's values rule this one out.
    instead: Option<String>,
    /// What a header naming this one names too, less surely, when no column names that.
    otherwise: Option<String>,
    /// What the plain one of two columns named as this one, a plain and a fuller, names.
    plain: Option<String>,
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
pub(crate) static VOCABULARY: LazyLock<Vocabulary> = LazyLock::new(|| {
    Vocabulary::parse(include_str!("vocabulary.toml")).unwrap_or_else(|_| Vocabulary::empty())
});

/// Score of a header that reaches a concept by one of its names.
pub(crate) const CONCEPT_SCORE: f64 = 0.9;
/// By a name once qualifiers ("billing", "default") or flag words ("is") are set aside.
pub(crate) const QUALIFIED_SCORE: f64 = 0.88;
/// By a weak name with the values' support.
pub(crate) const WEAK_SCORE: f64 = 0.86;
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

    pub(crate) fn parse(text: &str) -> Result<Vocabulary, toml::de::Error> {
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
                code: None,
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
                specific_names: Vec::new(),
                instead: None,
                otherwise: None,
                plain: None,
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
                    vocabulary.concepts[index]
                        .specific_names
                        .push(words.join(" "));
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
        for (entity, file) in file.entity.iter().enumerate() {
            vocabulary.entities[entity].code = file.code.as_ref().and_then(|code| {
                vocabulary
                    .concepts
                    .iter()
                    .position(|concept| concept.id == *code)
            });
        }
        for (index, concept) in file.concept.iter().enumerate() {
            let find = |id: &Option<String>| {
                let id = id.as_ref()?;
                vocabulary.concepts.iter().position(|other| other.id == *id)
            };
            let (instead, otherwise, plain) = (
                find(&concept.instead),
                find(&concept.otherwise),
                find(&concept.plain),
            );
            let concept = &mut vocabulary.concepts[index];
            (concept.instead, concept.otherwise, concept.plain) = (instead, otherwise, plain);
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
    pub(crate) fn meanings(&self, word: &str) -> usize {
        self.index.get(word).map_or(0, Vec::len)
    }

    /// Whether a word is one of the vocabulary's own (a name's, an entity's, a synonym's or a
    /// qualifier's): two such words are two words, never a typo of each other.
    pub(crate) fn is_known(&self, word: &str) -> bool {
        self.known.contains(word)
    }

    /// The concept of the entity's code when a header is the entity's word alone ("Articolo",
    /// "Cliente" in its own table): what it names over values that are codes.
    pub(crate) fn entity_code(&self, reading: &Reading, entity: Option<usize>) -> Option<usize> {
        let entity = &self.entities[entity?];
        (!reading.words.is_empty() && reading.words.iter().all(|word| entity.words.contains(word)))
            .then_some(entity.code)
            .flatten()
    }

    /// Whether a header says the entity's word ("Invoice ID" in a table of invoices).
    pub(crate) fn says_entity(&self, reading: &Reading, entity: Option<usize>) -> bool {
        entity.is_some_and(|entity| {
            let words = &self.entities[entity].words;
            reading.words.iter().any(|word| words.contains(word))
        })
    }

    /// The entity a table is about, from the words of its name (`sales_invoices`: invoice).
    pub(crate) fn table_entity(&self, table: &str) -> Option<usize> {
        let words = self.read(table).words;
        words.iter().rev().find_map(|word| {
            self.entities
                .iter()
                .position(|entity| entity.tables.contains(word))
        })
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

/// The key a name is found under: its words as a set, in any order, since the languages put
/// them in different orders ("postal code", "code postal", "código postal"; "customer name",
/// "nombre cliente").
fn key(words: &[String]) -> String {
    let mut sorted: Vec<&str> = words.iter().map(String::as_str).collect();
    sorted.sort_unstable();
    sorted.join(" ")
}

#[cfg(test)]
mod tests;
