#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) zonekit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: nictag
short_description: Manage zonekit nic tags
version_added: 0.1.0
description:
  - Add, change and delete nic tags on a zonekit host. A nic tag names a
    host bridge and the address pool zones on it get their IPs from.
  - Modelled on C(community.general.nictagadm); I(name), I(mtu) and I(state)
    mean what they mean there. zonekit's tags sit on a bridge (created when
    missing), not on a physical link, so there is no I(mac) or I(etherstub).
  - State present runs C(zoneadm apply -j) on a nictag document (C(kind=nictag)), so
    check mode and the diff come from C(zoneadm apply -n -j).
author:
  - zonekit maintainers (@zonekit)
requirements:
  - zonekit's zoneadm and nicadm on the managed host
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
      - The tag's name (1-31 characters of C([A-Za-z0-9_-])).
    type: str
    required: true
  bridge:
    description:
      - The host bridge zones' nics join. Required when I(state=present).
    type: str
  subnet:
    description:
      - The pool's subnet, a CIDR. Required when I(state=present).
    type: str
  gateway:
    description:
      - Gateway address, put on the bridge and given to zones as their default route.
    type: str
    default: ''
  range:
    description:
      - Allocation range C(FIRST-LAST); empty for the whole subnet.
    type: str
    default: ''
  mtu:
    description:
      - MTU of the zones' nics (576-9000).
    type: int
    default: 1500
  vlan_id:
    description:
      - 802.1Q VLAN id; only 0 (untagged) is supported yet.
    type: int
    default: 0
  nat:
    description:
      - Masquerade traffic from the subnet that leaves the host.
    type: bool
    default: false
  state:
    description:
      - C(present) makes the tag match the options; C(absent) deletes it
        (refused while zones use it).
    type: str
    default: present
    choices: [present, absent]
seealso:
  - module: zonekit.zones.zone
'''

EXAMPLES = r'''
- name: A nic tag on bridge zkbr0 with a pool
  zonekit.zones.nictag:
    name: lan
    bridge: zkbr0
    subnet: 10.88.0.0/24
    gateway: 10.88.0.1
    range: 10.88.0.10-10.88.0.200

- name: Remove it
  zonekit.zones.nictag:
    name: lan
    state: absent
'''

RETURN = r'''
plan:
  description: The JSON plan of C(zoneadm apply -j) (see zoneadm(8)).
  returned: when state is present
  type: dict
'''

import json

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.zonekit.zones.plugins.module_utils.zonekit import apply_document, diff_of


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type='str', required=True),
            bridge=dict(type='str'),
            subnet=dict(type='str'),
            gateway=dict(type='str', default=''),
            range=dict(type='str', default=''),
            mtu=dict(type='int', default=1500),
            vlan_id=dict(type='int', default=0),
            nat=dict(type='bool', default=False),
            state=dict(type='str', default='present', choices=['present', 'absent']),
        ),
        required_if=[['state', 'present', ['bridge', 'subnet']]],
        supports_check_mode=True,
    )
    p = module.params
    if p['state'] == 'absent':
        nicadm = module.get_bin_path('nicadm', required=True)
        rc, out, err = module.run_command([nicadm, 'list', '-j'])
        if rc != 0:
            module.fail_json(msg='nicadm list: %s' % err.strip(), rc=rc)
        if not any(t.get('name') == p['name'] for t in json.loads(out)):
            module.exit_json(changed=False)
        if not module.check_mode:
            rc, out, err = module.run_command([nicadm, 'delete', p['name']])
            if rc != 0:
                module.fail_json(msg='nicadm delete %s: %s' % (p['name'], err.strip()), rc=rc)
        module.exit_json(changed=True, diff={'before': {'present': True}, 'after': {'present': False}})

    doc = {'kind': 'nictag'}
    for key in ('name', 'bridge', 'subnet', 'gateway', 'range', 'mtu', 'vlan_id', 'nat'):
        if p[key] != '':
            doc[key] = p[key]
    plan = apply_document(module, doc, 'ansible')
    module.exit_json(changed=bool(plan.get('changed')), plan=plan, diff=diff_of(plan, 'nic tag %s' % p['name']))


if __name__ == '__main__':
    main()
