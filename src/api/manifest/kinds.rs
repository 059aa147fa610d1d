//! Reading one document by its kind: the header (`apiVersion`, `kind`), the supported kinds,
//! the top-level fields each kind has, `metadata.name`, then API validation.
//!
//! Owns which kinds are read and the order of checks. It does not locate errors (see
//! `document`) nor extract pod templates (see `workload`).

use super::*;

impl Document<'_> {
    pub(super) fn check_fields(&self, known: &'static [&'static str]) -> Result<(), LoadError> {
        for node in self.index.top_level_keys() {
            let Some(Seg::Key(field)) = node.path.first() else {
                continue;
            };
            if !known.contains(&field.as_str()) {
                let suggestion = known
                    .iter()
                    .copied()
                    .find(|k| k.eq_ignore_ascii_case(field));
                return Err(self.error_at(
                    Some(node),
                    LoadErrorKind::UnknownField {
                        kind: self.kind.clone(),
                        field: field.clone(),
                        known,
                        suggestion,
                    },
                ));
            }
        }
        Ok(())
    }

    pub(super) fn name(&self, meta: &ObjectMeta) -> Result<String, LoadError> {
        match meta.name.as_deref() {
            Some(name) if !name.is_empty() => Ok(name.to_string()),
            _ => Err(self.error_at_path(
                &[Seg::Key("metadata".into()), Seg::Key("name".into())],
                LoadErrorKind::MissingName {
                    kind: self.kind.clone(),
                    generate_name: meta.generate_name.as_deref().is_some_and(|g| !g.is_empty()),
                },
            )),
        }
    }
}

/// Reads one document into `out`: its object and located tree, the objects of a `List`, or a
/// note when the kind is one kubedrill does not model. Nothing for an empty document.
pub(super) fn load_document(
    chunk: &Chunk<'_>,
    file: &Path,
    out: &mut Loaded,
) -> Result<(), LoadError> {
    let Ok(index) = NodeIndex::build(chunk.text) else {
        return Err(syntax_error(chunk, file));
    };
    if index.is_empty_document() {
        return Ok(());
    }
    let mut doc = Document {
        chunk,
        file,
        index,
        kind: String::new(),
    };
    if let Some(root) = doc.index.root()
        && root.shape != Shape::Mapping
    {
        let found = if root.shape == Shape::Sequence {
            "sequence"
        } else {
            "scalar"
        };
        return Err(doc.error_at(Some(root), LoadErrorKind::NotAnObject { found }));
    }
    let header: Header = doc.deserialize()?;
    let Some(kind) = header.kind.filter(|k| !k.is_empty()) else {
        return Err(doc.error_at(None, LoadErrorKind::MissingField { field: "kind" }));
    };
    let Some(api_version) = header.api_version.filter(|v| !v.is_empty()) else {
        return Err(doc.error_at(
            None,
            LoadErrorKind::MissingField {
                field: "apiVersion",
            },
        ));
    };
    if kind == LIST_KIND && api_version == "v1" {
        return load_list(&doc, out);
    }
    let Some((kind_name, expected)) = SUPPORTED_KINDS.iter().copied().find(|(k, _)| *k == kind)
    else {
        let suggestion = SUPPORTED_KINDS
            .iter()
            .map(|(k, _)| *k)
            .chain([LIST_KIND])
            .find(|k| k.eq_ignore_ascii_case(&kind));
        if suggestion.is_none() {
            // Another kind (Service, Ingress, ...): kubectl would apply it, kubedrill has
            // nothing to model for it. Skip it and say so.
            let name = doc
                .index
                .find(&[Seg::Key("metadata".into()), Seg::Key("name".into())])
                .and_then(|node| node.value.clone())
                .filter(|name| !name.is_empty());
            out.notes.push(Note {
                origin: doc.origin(),
                kind,
                name,
            });
            return Ok(());
        }
        return Err(doc.error_at_path(
            &[Seg::Key("kind".into())],
            LoadErrorKind::UnsupportedKind { kind, suggestion },
        ));
    };
    if api_version != expected {
        return Err(doc.error_at_path(
            &[Seg::Key("apiVersion".into())],
            LoadErrorKind::WrongApiVersion {
                kind,
                api_version,
                expected,
            },
        ));
    }
    doc.kind = kind_name.to_string();

    let manifest = match kind_name {
        "ConfigMap" => {
            let cm: ConfigMap = doc.deserialize()?;
            doc.check_fields(CONFIG_MAP_FIELDS)?;
            doc.name(&cm.metadata)?;
            validation::validate_config_map(&cm).map_err(|e| doc.invalid(e))?;
            Manifest::ConfigMap(cm, doc.origin())
        }
        "Secret" => {
            let secret: Secret = doc.deserialize()?;
            doc.check_fields(SECRET_FIELDS)?;
            doc.name(&secret.metadata)?;
            let mut merged = secret.clone();
            validation::merge_string_data(&mut merged);
            validation::validate_secret(&merged).map_err(|e| doc.invalid(e))?;
            Manifest::Secret(secret, doc.origin())
        }
        "Pod" => {
            let pod: Pod = doc.deserialize()?;
            doc.check_fields(WORKLOAD_FIELDS)?;
            let template = Some((pod.metadata.clone(), pod.spec));
            Manifest::Workload(doc.workload(&pod.metadata, template)?)
        }
        "Deployment" => {
            let d: Deployment = doc.deserialize()?;
            doc.check_fields(WORKLOAD_FIELDS)?;
            let template = template_parts(d.spec.map(|s| s.template));
            Manifest::Workload(doc.workload(&d.metadata, template)?)
        }
        "StatefulSet" => {
            let s: StatefulSet = doc.deserialize()?;
            doc.check_fields(WORKLOAD_FIELDS)?;
            let template = template_parts(s.spec.map(|s| s.template));
            Manifest::Workload(doc.workload(&s.metadata, template)?)
        }
        "DaemonSet" => {
            let d: DaemonSet = doc.deserialize()?;
            doc.check_fields(WORKLOAD_FIELDS)?;
            let template = template_parts(d.spec.map(|s| s.template));
            Manifest::Workload(doc.workload(&d.metadata, template)?)
        }
        "ReplicaSet" => {
            let r: ReplicaSet = doc.deserialize()?;
            doc.check_fields(WORKLOAD_FIELDS)?;
            let template = template_parts(r.spec.and_then(|s| s.template));
            Manifest::Workload(doc.workload(&r.metadata, template)?)
        }
        "Job" => {
            let j: Job = doc.deserialize()?;
            doc.check_fields(WORKLOAD_FIELDS)?;
            let template = template_parts(j.spec.map(|s| s.template));
            Manifest::Workload(doc.workload(&j.metadata, template)?)
        }
        _ => {
            let c: CronJob = doc.deserialize()?;
            doc.check_fields(WORKLOAD_FIELDS)?;
            let template =
                template_parts(c.spec.and_then(|s| s.job_template.spec).map(|s| s.template));
            Manifest::Workload(doc.workload(&c.metadata, template)?)
        }
    };
    if let Some(tree) = doc.index.tree.take() {
        out.documents.push(LocatedDocument {
            origin: manifest.origin().clone(),
            first_line: chunk.first_line,
            text: chunk.text.to_string(),
            tree,
        });
    }
    out.manifests.push(manifest);
    Ok(())
}

/// The kind of a `kubectl get -o yaml` list: `apiVersion: v1`, `kind: List`, `items: [...]`.
const LIST_KIND: &str = "List";

/// Reads each item of a `List` as a document of its own, located where it is in the file: its
/// text, padded on its first line to its column, is read with the file line it starts on.
fn load_list(doc: &Document<'_>, out: &mut Loaded) -> Result<(), LoadError> {
    let items = doc.index.tree.as_ref().and_then(|root| root.get("items"));
    let Some(items) = items.filter(|items| !items.is_null()) else {
        return Ok(());
    };
    let Some(sequence) = items.sequence() else {
        let node = doc.index.find(&[Seg::Key("items".into())]);
        return Err(doc.error_at(
            node,
            LoadErrorKind::InvalidValue {
                message: format!("invalid type: {}, expected a sequence", items.describe()),
                field: Some("items".into()),
                hint: Some("a List holds its objects under items: - apiVersion: ...".into()),
            },
        ));
    };
    for item in sequence {
        let Some(source) = doc.chunk.text.get(item.start..item.end) else {
            continue;
        };
        let padding = usize::try_from(item.column.saturating_sub(1)).unwrap_or(0);
        let text = format!("{}{source}\n", " ".repeat(padding));
        let chunk = Chunk {
            text: &text,
            first_line: doc.chunk.first_line + item.line - 1,
        };
        load_document(&chunk, doc.file, out)?;
    }
    Ok(())
}

pub(super) fn syntax_error(chunk: &Chunk<'_>, file: &Path) -> LoadError {
    let error =
        serde_saphyr::from_str_with_options::<serde::de::IgnoredAny>(chunk.text, options()).err();
    let (message, location) = match &error {
        Some(err) => (
            sanitize(&serde_saphyr::UserMessageFormatter.format_message(err)),
            err.location().map(|l| (l.line(), l.column())),
        ),
        None => ("invalid YAML".to_string(), None),
    };
    let location = location.map(|(line, column)| chunk.file_location(line, column));
    if let Some(err) = &error
        && is_too_complex(original_error(err))
    {
        return LoadError::new(
            file,
            location,
            LoadErrorKind::InvalidValue {
                message: TOO_COMPLEX.to_string(),
                field: None,
                hint: Some(TOO_COMPLEX_HINT.to_string()),
            },
        );
    }
    LoadError::new(file, location, LoadErrorKind::Syntax { message })
}
