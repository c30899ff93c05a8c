/// The in-memory twin's JWT templates.
extension InMemorySessionStore {
    // MARK: JWT templates

    public func createTemplate(_ template: JWTTemplateRecord, audit: AuditDraft?) throws(StorageError) {
        try template.checkStorable()
        guard instanceTable[template.instanceID] != nil else { throw Self.missing("instance", template.instanceID) }
        guard templates[template.id] == nil else { throw StorageError(.conflict, "template \(template.id) exists") }
        try checkTemplateName(template)
        let event = try prepare(audit, instanceID: template.instanceID)
        templates[template.id] = template
        commit(event)
    }

    func checkTemplateName(_ template: JWTTemplateRecord) throws(StorageError) {
        if templates.values.contains(where: { $0.instanceID == template.instanceID && $0.name == template.name && $0.id != template.id }) {
            throw StorageError(.conflict, "a template named \(template.name) exists")
        }
    }

    public func template(instanceID: String, id: String) -> JWTTemplateRecord? {
        templates[id].flatMap { $0.instanceID == instanceID ? $0 : nil }
    }

    public func template(instanceID: String, name: String) -> JWTTemplateRecord? {
        templates.values.first { $0.instanceID == instanceID && $0.name == name }
    }

    public func templates(instanceID: String, limit: Int, offset: Int) -> Page<JWTTemplateRecord> {
        let all = templates.values.filter { $0.instanceID == instanceID }
            .sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
        return Page(items: Array(all.dropFirst(offset).prefix(limit)), totalCount: all.count)
    }

    public func updateTemplate(_ template: JWTTemplateRecord, retainUntil: Int64, audit: AuditDraft?) throws(StorageError) -> Revocation {
        try template.checkStorable()
        guard self.template(instanceID: template.instanceID, id: template.id) != nil else { throw Self.missing("template", template.id) }
        try checkTemplateName(template)
        let event = try prepare(audit, instanceID: template.instanceID)
        templates[template.id] = template
        defer { commit(event) }
        return append(
            instanceID: template.instanceID, target: .templateChanged(id: template.id), at: template.updatedAt, retainUntil: retainUntil)
    }

    public func deleteTemplate(instanceID: String, id: String, at: Int64, retainUntil: Int64, audit: AuditDraft?) throws(StorageError) -> Revocation {
        guard template(instanceID: instanceID, id: id) != nil else { throw Self.missing("template", id) }
        let event = try prepare(audit, instanceID: instanceID)
        templates[id] = nil
        defer { commit(event) }
        return append(instanceID: instanceID, target: .templateChanged(id: id), at: at, retainUntil: retainUntil)
    }

    public func templateKeyMaterials() -> [TemplateKeyMaterial] {
        templates.values.sorted { ($0.instanceID, $0.id) < ($1.instanceID, $1.id) }.compactMap { template in
            template.customSigningKey.map {
                TemplateKeyMaterial(instanceID: template.instanceID, templateID: template.id, algorithm: $0.algorithm, material: $0.material)
            }
        }
    }

    public func replaceTemplateKeyMaterials(_ replacements: [TemplateKeyMaterial.Replacement]) -> Int {
        var replaced = 0
        for replacement in replacements {
            let stored = replacement.stored
            guard var template = templates[stored.templateID], template.instanceID == stored.instanceID,
                template.customSigningKey?.material == stored.material
            else { continue }
            template.customSigningKey?.material = replacement.material
            templates[stored.templateID] = template
            replaced += 1
        }
        return replaced
    }
}
