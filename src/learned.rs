//! Mappings that users confirmed with `intake map --save`, kept in `mappings/learned/SCHEMA.toml`
//! under the current directory, and applied (as method `manual`) to the next file whose headers
//! are the same, in any order and however spaced or cased.

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};

use crate::detect::{Override, normalise};

/// Where learned mappings live, relative to the current directory.
pub(crate) const FOLDER: &str = "mappings/learned";

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LearnedFile {
    #[serde(default)]
    mapping: Vec<LearnedMapping>,
}

/// One confirmed mapping: the file's headers and, at the same positions, their fields ("" for a
/// column left unmapped).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LearnedMapping {
    headers: Vec<String>,
    fields: Vec<String>,
}

fn path_for(folder: &Path, schema: &str) -> PathBuf {
    folder.join(format!("{schema}.toml"))
}

/// The same set of headers, compared as people would: normalised, in any order.
fn same_headers(left: &[String], right: &[String]) -> bool {
    let key = |headers: &[String]| {
        let mut normalised: Vec<String> = headers.iter().map(|header| normalise(header)).collect();
        normalised.sort();
        normalised
    };
    left.len() == right.len() && key(left) == key(right)
}

fn read(path: &Path) -> anyhow::Result<LearnedFile> {
    if !path.exists() {
        return Ok(LearnedFile::default());
    }
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{}: cannot read the learned mappings", path.display()))?;
    let file: LearnedFile = toml::from_str(&text).with_context(|| {
        format!(
            "{}: the learned mappings do not parse: fix or delete the file",
            path.display()
        )
    })?;
    for mapping in &file.mapping {
        anyhow::ensure!(
            mapping.headers.len() == mapping.fields.len(),
            "{}: a learned mapping has {} headers but {} fields: fix or delete that entry",
            path.display(),
            mapping.headers.len(),
            mapping.fields.len()
        );
    }
    Ok(file)
}

/// The learned mapping for these headers, as overrides, with the file it came from.
pub(crate) fn find(
    folder: &Path,
    schema: &str,
    headers: &[String],
) -> anyhow::Result<Option<(PathBuf, Vec<Override>)>> {
    let path = path_for(folder, schema);
    let file = read(&path)?;
    let Some(mapping) = file
        .mapping
        .iter()
        .find(|mapping| same_headers(&mapping.headers, headers))
    else {
        return Ok(None);
    };
    let overrides = mapping
        .headers
        .iter()
        .zip(&mapping.fields)
        .map(|(column, field)| Override {
            column: column.clone(),
            field: (!field.is_empty()).then(|| field.clone()),
        })
        .collect();
    Ok(Some((path, overrides)))
}

/// Records `columns` (header and field, `None` for unmapped) as the mapping for these headers,
/// replacing an earlier one for the same headers. Returns the file written.
pub(crate) fn save(
    folder: &Path,
    schema: &str,
    columns: &[(String, Option<String>)],
) -> anyhow::Result<PathBuf> {
    let path = path_for(folder, schema);
    let mut file = read(&path)?;
    let headers: Vec<String> = columns.iter().map(|(header, _)| header.clone()).collect();
    file.mapping
        .retain(|mapping| !same_headers(&mapping.headers, &headers));
    file.mapping.push(LearnedMapping {
        headers,
        fields: columns
            .iter()
            .map(|(_, field)| field.clone().unwrap_or_default())
            .collect(),
    });
    std::fs::create_dir_all(folder)
        .with_context(|| format!("{}: cannot create the folder", folder.display()))?;
    let text = format!(
        "# Mappings confirmed with `intake map --save` for schema {schema:?}: for each set of headers, the\n# field of each column (\"\" leaves it unmapped). Edit or delete entries freely.\n\n{}",
        toml::to_string(&file).context("cannot write the learned mapping")?
    );
    std::fs::write(&path, text)
        .with_context(|| format!("{}: cannot write the learned mappings", path.display()))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_mappings_are_found_by_their_headers() {
        let folder = tempfile::tempdir().expect("temp dir");
        let columns = vec![
            ("Item Code".to_string(), Some("sku".to_string())),
            ("Notes".to_string(), None),
        ];
        let path = save(folder.path(), "products", &columns).expect("saves");
        assert!(path.ends_with("products.toml"));
        let headers = vec!["notes".to_string(), "ITEM CODE".to_string()];
        let (_, overrides) = find(folder.path(), "products", &headers)
            .expect("reads")
            .expect("found");
        assert_eq!(
            overrides,
            vec![
                Override {
                    column: "Item Code".into(),
                    field: Some("sku".into())
                },
                Override {
                    column: "Notes".into(),
                    field: None
                },
            ]
        );
        assert!(
            find(folder.path(), "products", &["Item Code".to_string()])
                .expect("reads")
                .is_none()
        );
        assert!(
            find(folder.path(), "customers", &headers)
                .expect("reads")
                .is_none()
        );
        // Saving again for the same headers replaces the entry.
        save(folder.path(), "products", &columns).expect("saves again");
        assert_eq!(read(&path).expect("reads").mapping.len(), 1);
    }
}
