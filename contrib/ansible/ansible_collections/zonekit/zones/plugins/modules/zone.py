#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) zonekit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: zone
short_description: Manage zonekit zones
version_added: 0.1.0
description:
  - Create, update, boot, halt, restart and delete zones on a zonekit host,
    from a zone manifest given as a dictionary or a file.
  - Modelled on C(community.general.vmadm); I(name), I(uuid) and I(state)
    mean what they mean there.
  - Present, running and stopped run C(zoneadm apply -j) on the manifest, so
    check mode is C(zoneadm apply -n -j) and the diff lists each property
    old and new, with secrets (metadata keys ending in C(_pw), C(user-script))
    masked. Properties the manifest leaves out are left as they are, except
    those with a default, which return to it; a key set to null removes one.
  - A zone is found by I(uuid) when given, else by I(name) (its alias).
author:
  - zonekit maintainers (@zonekit)
requirements:
  - zonekit's zoneadm on the managed host
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  platform:
    platforms: posix
options:
  name:
    description:
      - The zone's alias. Required unless I(uuid) is given or the manifest has
        an alias.
    type: str
    aliases: [alias]
  uuid:
    description:
      - The zone's uuid. For a new zone, the uuid it gets.
    type: str
  state:
    description:
      - C(present) (or C(created)) makes the zone match the manifest and leaves
        its run state as it is; a new zone stays stopped.
      - C(running) and C(stopped) also boot or halt it.
      - C(absent) (or C(deleted)) halts and deletes it.
      - C(restarted) (or C(rebooted)) reboots it, so that changes waiting for the
        next boot take effect; it always reports a change.
    type: str
    default: running
    choices: [present, created, running, stopped, absent, deleted, restarted, rebooted]
  manifest:
    description:
      - The zone manifest (see zone-manifest(5)), as a dictionary. I(name),
        I(uuid) and I(state) are added to it.
      - Without I(manifest) and I(manifest_file), an existing zone is left as
        it is (its manifest is read with C(zonecfg export)) and only its run
        state is managed; a new zone gets the defaults.
    type: dict
  manifest_file:
    description:
      - A zone manifest file on the managed host, JSON or YAML.
    type: path
  set:
    description:
      - The apply set the zone belongs to; recorded in C(tags.apply_set) of a
        zone it creates, so that C(zoneadm apply --prune --set NAME) of
        the same name deletes it when it is no longer wanted.
    type: str
    default: ansible
  replace:
    description:
      - Allow changes to create-only properties (brand, image_uuid, a nic's
        MAC). The zone is deleted and created again, keeping its uuid, MACs and
        IPs (its data is lost). Without it such a change fails.
    type: bool
    default: false
notes:
  - In I(manifest), text that Jinja made of a number or a boolean (C("512"),
    C("True")) is turned back into one where the property is an integer or a
    boolean (as C(zoneadm explain) says); metadata and tags are left as given.
  - In check mode, a nic tag or image that an earlier task would create is
    taken as there, with a warning, so a whole play can be checked at once.
  - Point the module at another store with the task's or play's
    C(environment) (C(ZONEKIT_ROOT), C(ZONEKIT_RUN), C(ZONEKIT_CONFIG)).
seealso:
  - module: zonekit.zones.nictag
  - module: zonekit.zones.image
'''

EXAMPLES = r'''
- name: A running web zone on nic tag lan
  zonekit.zones.zone:
    name: web01
    state: running
    manifest:
      max_physical_memory: 512
      cpu_cap: 150
      nics:
        - nic_tag: lan
      customer_metadata:
        role: web
  register: web

- name: Show its address
  ansible.builtin.debug:
    msg: "{{ web.uuid }} has {{ web.ips | join(', ') }}"

- name: A zone from a manifest file, created but not booted
  zonekit.zones.zone:
    name: db01
    state: present
    manifest_file: /etc/zonekit/manifests/db01.yaml

- name: Halt a zone
  zonekit.zones.zone:
    name: web01
    state: stopped

- name: Delete a zone
  zonekit.zones.zone:
    name: db01
    state: absent
'''

RETURN = r'''
uuid:
  description: The zone's uuid (null for a zone check mode would create).
  returned: when the zone exists or was created
  type: str
  sample: 6f1c5b22-0c3e-4e0a-9d57-3d0f3a1c2b4e
alias:
  description: The zone's alias.
  returned: when the zone exists or was created
  type: str
  sample: web01
ips:
  description: The addresses of the zone's nics, with prefix length.
  returned: when the zone exists or was created
  type: list
  elements: str
  sample: ["10.88.0.10/24"]
macs:
  description: The MAC addresses of the zone's nics.
  returned: when the zone exists or was created
  type: list
  elements: str
  sample: ["02:08:20:5a:1c:3e"]
zone_state:
  description: The zone's run state after the task (running, stopped, ...).
  returned: when the zone exists
  type: str
  sample: running
plan:
  description: The JSON plan of C(zoneadm apply -j) (see zoneadm(8)), with each step's status after a real run.
  returned: when state is present, created, running or stopped
  type: dict
'''

import json

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.zonekit.zones.plugins.module_utils.zonekit import (
    NOT_FOUND, apply_document, coerce_templated, diff_of, first_item)


def load_manifest(module, path):
    try:
        with open(path) as f:
            text = f.read()
    except (IOError, OSError) as e:
        module.fail_json(msg='manifest_file %s: %s' % (path, e))
    try:
        return json.loads(text)
    except ValueError:
        pass
    try:
        import yaml
        doc = yaml.safe_load(text)
    except Exception as e:  # pylint: disable=broad-except
        module.fail_json(msg='manifest_file %s: not JSON or YAML: %s' % (path, e))
    if not isinstance(doc, dict):
        module.fail_json(msg='manifest_file %s: the manifest must be a mapping' % path)
    return doc


def zone_get(module, zoneadm, ref):
    rc, out, err = module.run_command([zoneadm, 'get', ref])
    if rc == NOT_FOUND:
        return None
    if rc != 0:
        module.fail_json(msg='zoneadm get %s: %s' % (ref, err.strip()), rc=rc)
    return json.loads(out)


def facts_of(doc):
    ips, macs = [], []
    for nic in doc.get('nics', []):
        macs.append(nic.get('mac'))
        ips.extend(nic.get('ips', []))
    return {'uuid': doc.get('uuid'), 'alias': doc.get('alias'), 'ips': ips, 'macs': macs,
            'zone_state': doc.get('state')}


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type='str', aliases=['alias']),
            uuid=dict(type='str'),
            state=dict(type='str', default='running',
                       choices=['present', 'created', 'running', 'stopped', 'absent', 'deleted',
                                'restarted', 'rebooted']),
            manifest=dict(type='dict'),
            manifest_file=dict(type='path'),
            set=dict(type='str', default='ansible'),
            replace=dict(type='bool', default=False),
        ),
        mutually_exclusive=[['manifest', 'manifest_file']],
        supports_check_mode=True,
    )
    p = module.params
    state = {'created': 'present', 'deleted': 'absent', 'rebooted': 'restarted'}.get(p['state'], p['state'])
    zoneadm = module.get_bin_path('zoneadm', required=True)

    doc = {}
    if p['manifest'] is not None:
        doc = coerce_templated(module, zoneadm, dict(p['manifest']))
    elif p['manifest_file']:
        doc = load_manifest(module, p['manifest_file'])
    for key, value in (('alias', p['name']), ('uuid', p['uuid'])):
        if value is None:
            continue
        if doc.get(key) not in (None, value):
            module.fail_json(msg='%s %r and the manifest\'s %s %r differ' % (key, value, key, doc.get(key)))
        doc[key] = value
    ref = doc.get('uuid') or doc.get('alias')
    if not ref:
        module.fail_json(msg='name or uuid is required (here or in the manifest)')

    if state in ('absent', 'restarted'):
        current = zone_get(module, zoneadm, ref)
        if current is None:
            if state == 'restarted':
                module.fail_json(msg='zone %s: no such zone' % ref)
            module.exit_json(changed=False)
        diff = {'before': {'state': current.get('state')},
                'after': {'state': 'absent' if state == 'absent' else 'running'}}
        if not module.check_mode:
            verb = 'delete' if state == 'absent' else 'reboot'
            rc, out, err = module.run_command([zoneadm, verb, ref])
            if rc != 0:
                module.fail_json(msg='zoneadm %s %s: %s' % (verb, ref, err.strip()), rc=rc)
        result = dict(changed=True, diff=diff)
        if state == 'restarted':
            result.update(facts_of(zone_get(module, zoneadm, ref) or current))
        module.exit_json(**result)

    if p['manifest'] is None and not p['manifest_file']:
        # No manifest: the zone as it is, only its run state managed.
        if zone_get(module, zoneadm, ref) is not None:
            zonecfg = module.get_bin_path('zonecfg', required=True)
            rc, out, err = module.run_command([zonecfg, 'export', '--to', 'json', ref])
            if rc != 0:
                module.fail_json(msg='zonecfg export %s: %s' % (ref, err.strip()), rc=rc)
            doc = json.loads(out)
            doc.get('tags', {}).pop('apply_set', None)
    if state in ('running', 'stopped'):
        doc['state'] = state
    plan = apply_document(module, doc, p['set'], p['replace'])
    item = first_item(plan, 'zone')
    result = dict(changed=bool(plan.get('changed')), plan=plan, diff=diff_of(plan, 'zone %s' % ref),
                  uuid=item.get('uuid'), alias=doc.get('alias'), ips=[], macs=[], zone_state=None)
    zone = item.get('result') or {}
    for key in ('uuid', 'alias', 'ips', 'macs'):
        if zone.get(key) is not None:
            result[key] = zone[key]
    result['zone_state'] = zone.get('state')
    module.exit_json(**result)


if __name__ == '__main__':
    main()
