//! Workload extraction: the pod template of a Deployment, StatefulSet, DaemonSet, ReplicaSet,
//! Job or CronJob, or a Pod's own spec, and its API validation.
//!
//! Owns where each kind keeps its pod spec. It does not validate the pod spec itself (see
//! [`crate::api::pod_spec`]).

use super::*;

impl Document<'_> {
    pub(super) fn workload(
        &self,
        meta: &ObjectMeta,
        template: Option<(ObjectMeta, Option<PodSpec>)>,
    ) -> Result<Workload, LoadError> {
        let name = self.name(meta)?;
        let field = pod_spec_path(&self.kind);
        let field_segs = to_segs(&FieldPath::parse(field));
        let Some((pod_metadata, Some(spec))) = template else {
            return Err(self.error_at_path(
                &field_segs,
                LoadErrorKind::NoPodTemplate {
                    kind: self.kind.clone(),
                    name,
                    field,
                },
            ));
        };
        if spec.containers.is_empty() {
            let mut segs = field_segs;
            segs.push(Seg::Key("containers".into()));
            return Err(self.error_at_path(
                &segs,
                LoadErrorKind::NoContainers {
                    kind: self.kind.clone(),
                    name,
                    field: format!("{field}.containers"),
                },
            ));
        }
        let workload = Workload {
            kind: self.kind.clone(),
            name,
            namespace: meta
                .namespace
                .clone()
                .filter(|ns| !ns.is_empty())
                .unwrap_or_else(|| DEFAULT_NAMESPACE.to_string()),
            metadata: meta.clone(),
            pod_metadata,
            spec,
            origin: self.origin(),
        };
        crate::api::pod_spec::validate_workload(&workload).map_err(|e| self.invalid(e))?;
        Ok(workload)
    }
}

pub(super) fn template_parts(
    template: Option<PodTemplateSpec>,
) -> Option<(ObjectMeta, Option<PodSpec>)> {
    template.map(|t| (t.metadata.unwrap_or_default(), t.spec))
}
