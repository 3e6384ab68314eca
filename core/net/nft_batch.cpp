// nft::Batch: an nft::Table becomes nf_tables messages, built with libnftnl
// into one buffer.
#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <libnftnl/udata.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "core/net/nft_netlink.hpp"
#include "core/net/nftnl_util.hpp"

namespace zonekit::net::nft {

namespace {

// Room reserved for one message while libnftnl writes it (it does not
// check bounds). check_table bounds rules to kMaxExprs expressions of at
// most 16-byte data, and set elements go kElemsPerMessage to a message, so
// neither comes near it.
constexpr size_t kRoom = 16384;
constexpr size_t kElemsPerMessage = 128;

uint32_t payload_base(Base b) {
  switch (b) {
    case Base::Link: return NFT_PAYLOAD_LL_HEADER;
    case Base::Network: return NFT_PAYLOAD_NETWORK_HEADER;
    case Base::Transport: return NFT_PAYLOAD_TRANSPORT_HEADER;
  }
  return NFT_PAYLOAD_NETWORK_HEADER;
}

uint32_t meta_key(MetaKey k) {
  switch (k) {
    case MetaKey::Protocol: return NFT_META_PROTOCOL;
    case MetaKey::L4proto: return NFT_META_L4PROTO;
    case MetaKey::Iifname: return NFT_META_IIFNAME;
    case MetaKey::Oifname: return NFT_META_OIFNAME;
    case MetaKey::Mark: return NFT_META_MARK;
    case MetaKey::NfProto: return NFT_META_NFPROTO;
    case MetaKey::IifType: return NFT_META_IIFTYPE;
  }
  return NFT_META_PROTOCOL;
}

uint32_t cmp_op(CmpOp op) {
  switch (op) {
    case CmpOp::Eq: return NFT_CMP_EQ;
    case CmpOp::Neq: return NFT_CMP_NEQ;
    case CmpOp::Lte: return NFT_CMP_LTE;
    case CmpOp::Gte: return NFT_CMP_GTE;
  }
  return NFT_CMP_EQ;
}

// What nft writes into a set's userdata, so `nft list` decodes and prints
// the elements as it does for sets it made itself: key byte order (BYTEORDER_
// HOST_ENDIAN 1, _BIG_ENDIAN 2), "merge adjacent elements" for interval
// sets, and (unless typeof_key is off) the key as a typeof payload
// expression (nft's ids: EXPR_PAYLOAD 7, BYTEORDER_BIG_ENDIAN 2, payload
// udata desc 0, field 1, base 2, offset 3, length 4 in bits).
void set_userdata(nftnl_set* s, const Set& set) {
  std::unique_ptr<nftnl_udata_buf, void (*)(const nftnl_udata_buf*)> ud(nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN),
                                                                        nftnl_udata_buf_free);
  if (!ud) return;   // userdata only helps nft print; the set works without it
  nftnl_udata_put_u32(ud.get(), NFTNL_UDATA_SET_KEYBYTEORDER, set.host_order ? 1 : 2);
  if (set.interval) nftnl_udata_put_u32(ud.get(), NFTNL_UDATA_SET_MERGE_ELEMENTS, 1);
  if (!set.typeof_key) {
    nftnl_set_set_data(s, NFTNL_SET_USERDATA, nftnl_udata_buf_data(ud.get()), nftnl_udata_buf_len(ud.get()));
    return;
  }
  auto* typeof_nest = nftnl_udata_nest_start(ud.get(), NFTNL_UDATA_SET_KEY_TYPEOF);
  nftnl_udata_put_u32(ud.get(), NFTNL_UDATA_SET_TYPEOF_EXPR, 7);
  auto* data_nest = nftnl_udata_nest_start(ud.get(), NFTNL_UDATA_SET_TYPEOF_DATA);
  nftnl_udata_put_u32(ud.get(), 0, set.key.desc);
  nftnl_udata_put_u32(ud.get(), 1, set.key.field);
  if (set.key.desc == 0) {   // a raw payload: nft's base ids are ours + 1
    nftnl_udata_put_u32(ud.get(), 2, uint32_t(set.key.base) + 1);
    nftnl_udata_put_u32(ud.get(), 3, set.key.offset * 8);
    nftnl_udata_put_u32(ud.get(), 4, set.key.len * 8);
  }
  nftnl_udata_nest_end(ud.get(), data_nest);
  nftnl_udata_nest_end(ud.get(), typeof_nest);
  nftnl_set_set_data(s, NFTNL_SET_USERDATA, nftnl_udata_buf_data(ud.get()), nftnl_udata_buf_len(ud.get()));
}

// One expression; null on allocation failure. set_ids: NFTA_SET_ID of
// each of the table's sets in this batch.
nftnl_expr* make_expr(const Expr& e, const std::vector<uint32_t>& set_ids) {
  auto make = [](const char* name) { return Owned<nftnl_expr>(nftnl_expr_alloc(name)); };
  Owned<nftnl_expr> x;
  if (auto* p = std::get_if<Payload>(&e)) {
    if ((x = make("payload"))) {
      nftnl_expr_set_u32(x.get(), NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
      nftnl_expr_set_u32(x.get(), NFTNL_EXPR_PAYLOAD_BASE, payload_base(p->base));
      nftnl_expr_set_u32(x.get(), NFTNL_EXPR_PAYLOAD_OFFSET, p->offset);
      nftnl_expr_set_u32(x.get(), NFTNL_EXPR_PAYLOAD_LEN, p->len);
    }
  } else if (auto* m = std::get_if<Meta>(&e)) {
    if ((x = make("meta"))) {
      nftnl_expr_set_u32(x.get(), NFTNL_EXPR_META_KEY, meta_key(m->key));
      nftnl_expr_set_u32(x.get(), NFTNL_EXPR_META_DREG, NFT_REG_1);
    }
  } else if (auto* c = std::get_if<Cmp>(&e)) {
    if ((x = make("cmp"))) {
      nftnl_expr_set_u32(x.get(), NFTNL_EXPR_CMP_SREG, NFT_REG_1);
      nftnl_expr_set_u32(x.get(), NFTNL_EXPR_CMP_OP, cmp_op(c->op));
      nftnl_expr_set_data(x.get(), NFTNL_EXPR_CMP_DATA, c->data.data(), uint32_t(c->data.size()));
    }
  } else if (auto* b = std::get_if<Bitwise>(&e)) {
    if ((x = make("bitwise"))) {
      Bytes xor_value = b->xor_value.empty() ? Bytes(b->mask.size(), 0) : b->xor_value;
      nftnl_expr_set_u32(x.get(), NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
      nftnl_expr_set_u32(x.get(), NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
      nftnl_expr_set_u32(x.get(), NFTNL_EXPR_BITWISE_OP, NFT_BITWISE_BOOL);
      nftnl_expr_set_u32(x.get(), NFTNL_EXPR_BITWISE_LEN, uint32_t(b->mask.size()));
      nftnl_expr_set_data(x.get(), NFTNL_EXPR_BITWISE_MASK, b->mask.data(), uint32_t(b->mask.size()));
      nftnl_expr_set_data(x.get(), NFTNL_EXPR_BITWISE_XOR, xor_value.data(), uint32_t(xor_value.size()));
    }
  } else if (auto* r = std::get_if<Range>(&e)) {
    if ((x = make("range"))) {
      nftnl_expr_set_u32(x.get(), NFTNL_EXPR_RANGE_SREG, NFT_REG_1);
      nftnl_expr_set_u32(x.get(), NFTNL_EXPR_RANGE_OP, r->neq ? NFT_RANGE_NEQ : NFT_RANGE_EQ);
      nftnl_expr_set_data(x.get(), NFTNL_EXPR_RANGE_FROM_DATA, r->from.data(), uint32_t(r->from.size()));
      nftnl_expr_set_data(x.get(), NFTNL_EXPR_RANGE_TO_DATA, r->to.data(), uint32_t(r->to.size()));
    }
  } else if (auto* l = std::get_if<Lookup>(&e)) {
    if ((x = make("lookup"))) {
      nftnl_expr_set_u32(x.get(), NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
      nftnl_expr_set_str(x.get(), NFTNL_EXPR_LOOKUP_SET, "__set%d");
      nftnl_expr_set_u32(x.get(), NFTNL_EXPR_LOOKUP_SET_ID, set_ids[l->set]);
      if (l->invert) nftnl_expr_set_u32(x.get(), NFTNL_EXPR_LOOKUP_FLAGS, NFT_LOOKUP_F_INV);
    }
  } else if (auto* o = std::get_if<CounterRef>(&e)) {
    if ((x = make("objref"))) {
      nftnl_expr_set_u32(x.get(), NFTNL_EXPR_OBJREF_IMM_TYPE, NFT_OBJECT_COUNTER);
      nftnl_expr_set_str(x.get(), NFTNL_EXPR_OBJREF_IMM_NAME, o->name.c_str());
    }
  } else if (auto* v = std::get_if<Verdict>(&e)) {
    if ((x = make("immediate"))) {
      nftnl_expr_set_u32(x.get(), NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
      switch (v->kind) {
        case Verdict::Accept: nftnl_expr_set_u32(x.get(), NFTNL_EXPR_IMM_VERDICT, NF_ACCEPT); break;
        case Verdict::Drop: nftnl_expr_set_u32(x.get(), NFTNL_EXPR_IMM_VERDICT, NF_DROP); break;
        case Verdict::Return: nftnl_expr_set_u32(x.get(), NFTNL_EXPR_IMM_VERDICT, uint32_t(NFT_RETURN)); break;
        case Verdict::Jump:
          nftnl_expr_set_u32(x.get(), NFTNL_EXPR_IMM_VERDICT, uint32_t(NFT_JUMP));
          nftnl_expr_set_str(x.get(), NFTNL_EXPR_IMM_CHAIN, v->chain.c_str());
          break;
      }
    }
  } else if (std::holds_alternative<Masquerade>(e)) {
    x = make("masq");
  } else if (auto* ms = std::get_if<MetaSet>(&e)) {
    if ((x = make("meta"))) {
      nftnl_expr_set_u32(x.get(), NFTNL_EXPR_META_KEY, meta_key(ms->key));
      nftnl_expr_set_u32(x.get(), NFTNL_EXPR_META_SREG, NFT_REG_1);
    }
  } else if (std::holds_alternative<CtState>(e)) {
    if ((x = make("ct"))) {
      nftnl_expr_set_u32(x.get(), NFTNL_EXPR_CT_KEY, NFT_CT_STATE);
      nftnl_expr_set_u32(x.get(), NFTNL_EXPR_CT_DREG, NFT_REG_1);
    }
  } else if (std::holds_alternative<FibDaddrType>(e)) {
    if ((x = make("fib"))) {
      nftnl_expr_set_u32(x.get(), NFTNL_EXPR_FIB_RESULT, NFT_FIB_RESULT_ADDRTYPE);
      nftnl_expr_set_u32(x.get(), NFTNL_EXPR_FIB_FLAGS, NFTA_FIB_F_DADDR | NFTA_FIB_F_IIF);
      nftnl_expr_set_u32(x.get(), NFTNL_EXPR_FIB_DREG, NFT_REG_1);
    }
  } else if (auto* lim = std::get_if<Limit>(&e)) {
    if ((x = make("limit"))) {
      nftnl_expr_set_u64(x.get(), NFTNL_EXPR_LIMIT_RATE, lim->rate);
      nftnl_expr_set_u64(x.get(), NFTNL_EXPR_LIMIT_UNIT, 1);   // per second
      nftnl_expr_set_u32(x.get(), NFTNL_EXPR_LIMIT_BURST, lim->burst);
      nftnl_expr_set_u32(x.get(), NFTNL_EXPR_LIMIT_TYPE, NFT_LIMIT_PKTS);
      nftnl_expr_set_u32(x.get(), NFTNL_EXPR_LIMIT_FLAGS, lim->over ? NFT_LIMIT_F_INV : 0);
    }
  }
  return x.release();
}

Error build_error(const std::string& what) {
  Error e;
  e.op = "nft build";
  e.object = what;
  e.code = ENOMEM;
  return e;
}

}  // namespace

template <class F>
void Batch::put(uint16_t type, Family family, uint16_t flags, std::string what, size_t room, F&& build) {
  if (error_) return;
  size_t off = buf_.size();
  buf_.resize(off + room);
  nlmsghdr* nlh = nftnl_nlmsg_build_hdr(buf_.data() + off, type, nfproto(family), flags, uint32_t(what_.size() + 1));
  if (!build(nlh)) {
    buf_.resize(off);
    error_ = build_error(what);
    return;
  }
  if (nlh->nlmsg_len > room) std::abort();   // overran the buffer: a bug in the bounds above
  buf_.resize(off + NLMSG_ALIGN(nlh->nlmsg_len));
  what_.push_back(std::move(what));
}

void Batch::delete_table(Family family, const std::string& name) {
  if (error_) return;
  if (!valid_name(name)) {
    error_ = fail("nft: \"" + name + "\" is not a table name", ErrorKind::Invalid).error();
    return;
  }
  std::string obj = family_name(family) + " " + name;
  for (uint16_t type : {uint16_t(NFT_MSG_NEWTABLE), uint16_t(NFT_MSG_DELTABLE)}) {
    put(type, family, type == NFT_MSG_NEWTABLE ? NLM_F_CREATE : 0,
        (type == NFT_MSG_NEWTABLE ? "add table|" : "delete table|") + obj, 1024, [&](nlmsghdr* nlh) {
          Owned<nftnl_table> t(nftnl_table_alloc());
          if (!t) return false;
          nftnl_table_set_str(t.get(), NFTNL_TABLE_NAME, name.c_str());
          if (type == NFT_MSG_NEWTABLE) nftnl_table_set_u32(t.get(), NFTNL_TABLE_FLAGS, 0);
          nftnl_table_nlmsg_build_payload(nlh, t.get());
          return true;
        });
  }
}

void Batch::add_table(const Table& table, bool exclusive) {
  if (error_) return;
  if (auto bad = check_table(table); !bad.empty()) {
    Error e;
    e.detail = "nft: table " + table.name + " is malformed: " + bad;
    error_ = std::move(e);
    return;
  }
  const Family fam = table.family;
  const std::string obj = family_name(fam) + " " + table.name;
  const char* tname = table.name.c_str();

  put(NFT_MSG_NEWTABLE, fam, uint16_t(NLM_F_CREATE | (exclusive ? NLM_F_EXCL : 0)), "add table|" + obj, 1024,
      [&](nlmsghdr* nlh) {
    Owned<nftnl_table> t(nftnl_table_alloc());
    if (!t) return false;
    nftnl_table_set_str(t.get(), NFTNL_TABLE_NAME, tname);
    nftnl_table_set_u32(t.get(), NFTNL_TABLE_FLAGS, 0);
    nftnl_table_nlmsg_build_payload(nlh, t.get());
    return true;
  });
  // Chains before counters before rules, as nft orders a table block:
  // jumps need their target, counter references their counter.
  for (const auto& chain : table.chains) {
    put(NFT_MSG_NEWCHAIN, fam, NLM_F_CREATE, "add chain|" + obj + " " + chain.name, 1024, [&](nlmsghdr* nlh) {
      Owned<nftnl_chain> c(nftnl_chain_alloc());
      if (!c) return false;
      nftnl_chain_set_str(c.get(), NFTNL_CHAIN_TABLE, tname);
      nftnl_chain_set_str(c.get(), NFTNL_CHAIN_NAME, chain.name.c_str());
      if (chain.hook) {
        nftnl_chain_set_str(c.get(), NFTNL_CHAIN_TYPE, chain.hook->type.c_str());
        nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_HOOKNUM, chain.hook->hooknum);
        nftnl_chain_set_s32(c.get(), NFTNL_CHAIN_PRIO, chain.hook->priority);
        nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_POLICY, NF_ACCEPT);
        if (!chain.hook->device.empty()) nftnl_chain_set_str(c.get(), NFTNL_CHAIN_DEV, chain.hook->device.c_str());
      }
      nftnl_chain_nlmsg_build_payload(nlh, c.get());
      return true;
    });
  }
  for (const auto& name : table.counters) {
    put(NFT_MSG_NEWOBJ, fam, NLM_F_CREATE, "add counter|" + obj + " " + name, 1024, [&](nlmsghdr* nlh) {
      Owned<nftnl_obj> o(nftnl_obj_alloc());
      if (!o) return false;
      nftnl_obj_set_str(o.get(), NFTNL_OBJ_TABLE, tname);
      nftnl_obj_set_str(o.get(), NFTNL_OBJ_NAME, name.c_str());
      nftnl_obj_set_u32(o.get(), NFTNL_OBJ_TYPE, NFT_OBJECT_COUNTER);
      nftnl_obj_set_u64(o.get(), NFTNL_OBJ_CTR_BYTES, 0);
      nftnl_obj_set_u64(o.get(), NFTNL_OBJ_CTR_PKTS, 0);
      nftnl_obj_nlmsg_build_payload(nlh, o.get());
      return true;
    });
  }
  std::vector<uint32_t> set_ids(table.sets.size());
  for (auto& id : set_ids) id = next_set_id_++;
  for (const auto& chain : table.chains) {
    for (size_t r = 0; r < chain.rules.size(); ++r) {
      const auto& rule = chain.rules[r];
      const std::string where = obj + " chain " + chain.name + " rule " + std::to_string(r);
      // Each anonymous set goes right before the rule that binds it.
      for (const auto& e : rule.exprs) {
        auto* l = std::get_if<Lookup>(&e);
        if (!l) continue;
        const Set& set = table.sets[l->set];
        const uint32_t id = set_ids[l->set];
        auto new_set = [&] {
          Owned<nftnl_set> s(nftnl_set_alloc());
          if (!s) return s;
          nftnl_set_set_str(s.get(), NFTNL_SET_TABLE, tname);
          nftnl_set_set_str(s.get(), NFTNL_SET_NAME, "__set%d");
          nftnl_set_set_u32(s.get(), NFTNL_SET_ID, id);
          return s;
        };
        put(NFT_MSG_NEWSET, fam, NLM_F_CREATE, "add set|" + where, 1024, [&](nlmsghdr* nlh) {
          auto s = new_set();
          if (!s) return false;
          uint32_t flags = NFT_SET_ANONYMOUS | NFT_SET_CONSTANT | (set.interval ? NFT_SET_INTERVAL : 0);
          nftnl_set_set_u32(s.get(), NFTNL_SET_FLAGS, flags);
          nftnl_set_set_u32(s.get(), NFTNL_SET_KEY_TYPE, set.key_type);
          nftnl_set_set_u32(s.get(), NFTNL_SET_KEY_LEN, set.key.len);
          nftnl_set_set_u32(s.get(), NFTNL_SET_DESC_SIZE, uint32_t(set.elements.size()));
          set_userdata(s.get(), set);
          nftnl_set_nlmsg_build_payload(nlh, s.get());
          return true;
        });
        for (size_t first = 0; first < set.elements.size(); first += kElemsPerMessage) {
          size_t last = std::min(set.elements.size(), first + kElemsPerMessage);
          put(NFT_MSG_NEWSETELEM, fam, NLM_F_CREATE, "add set elements|" + where, kRoom, [&](nlmsghdr* nlh) {
            auto s = new_set();
            if (!s) return false;
            for (size_t i = first; i < last; ++i) {
              const Element& el = set.elements[i];
              nftnl_set_elem* x = nftnl_set_elem_alloc();
              if (!x) return false;
              nftnl_set_elem_set(x, NFTNL_SET_ELEM_KEY, el.key.data(), uint32_t(el.key.size()));
              if (el.end) nftnl_set_elem_set_u32(x, NFTNL_SET_ELEM_FLAGS, NFT_SET_ELEM_INTERVAL_END);
              if (el.open) {
                // nft's marker for a range up to the top of the key space.
                uint8_t ud[6] = {NFTNL_UDATA_SET_ELEM_FLAGS, 4};
                uint32_t open = NFTNL_SET_ELEM_F_INTERVAL_OPEN;
                std::memcpy(ud + 2, &open, 4);
                nftnl_set_elem_set(x, NFTNL_SET_ELEM_USERDATA, ud, sizeof ud);
              }
              nftnl_set_elem_add(s.get(), x);
            }
            nftnl_set_elems_nlmsg_build_payload(nlh, s.get());
            return true;
          });
        }
      }
      put(NFT_MSG_NEWRULE, fam, NLM_F_CREATE | NLM_F_APPEND, "add rule|" + where, kRoom, [&](nlmsghdr* nlh) {
        Owned<nftnl_rule> nr(nftnl_rule_alloc());
        if (!nr) return false;
        nftnl_rule_set_str(nr.get(), NFTNL_RULE_TABLE, tname);
        nftnl_rule_set_str(nr.get(), NFTNL_RULE_CHAIN, chain.name.c_str());
        for (const auto& e : rule.exprs) {
          nftnl_expr* x = make_expr(e, set_ids);
          if (!x) return false;
          nftnl_rule_add_expr(nr.get(), x);
        }
        nftnl_rule_nlmsg_build_payload(nlh, nr.get());
        return true;
      });
    }
  }
}

}  // namespace zonekit::net::nft
