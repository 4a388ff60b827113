// ns-3 side of the cnemu-vs-ns-3 benchmark: N hosts around one central node.
//
// Topology choice: point-to-point links (40 Gbps, 1 us delay) from every host to one central node that
// routes at IP (Ipv4GlobalRouting): a store-and-forward "router" star, ns-3's cheapest faithful
// equivalent of cnemu's output-queued switch (CSMA + BridgeNetDevice would add a shared-medium model
// cnemu does not have). Each host i runs an always-on OnOffApplication sending UDP datagrams of
// 1472 B payload (one 1500 B IP packet) at 10 Gbps offered to host (i+1) mod N; each host runs a
// PacketSink. After the virtual time (default 10 ms) the program prints the packets delivered to
// the sinks. ns-3 models no host CPU: sending, forwarding and receiving cost no virtual time.
//
// The output line also gives the events the simulator ran (Simulator::GetEventCount), the process's CPU
// seconds (user + sys, getrusage) spent building the scenario and spent in Simulator::Run, and its peak
// resident set: CPU per delivered packet and per event without the set-up, whose cost grows with N on its own.
//
// --routing=global (the default): Ipv4GlobalRouting, as above. Its lookup scans every route of the node
// (Ipv4GlobalRouting::LookupGlobal collects all matches for ECMP), and each node holds a route per host
// network, so every hop of every packet reads O(N) entries. --routing=nix: nix-vector routing, which
// caches a path per destination (a std::map) and forwards by the index the packet carries: O(log N) per
// hop; but at the centre it finds the outgoing device by walking the node's N devices (Node::GetDevice,
// NetDeviceIsBridged: a third of the profile at N = 1,000). --routing=star: a routing protocol of this file
// (StarRouting) that holds what a real star's router holds, its connected /24 networks in a hash map and a
// default route, so routing costs O(1) per hop whatever N (the centre still walks its per-device protocol
// handlers per packet, in ns-3's Node and TrafficControlLayer): the reference for bench scale's cost per
// packet and per event against N (docs/benchmarks.md). All three deliver the same packets.
//
// --weak-es=0: Ipv4L3Protocol's strong end-system model. ns-3's default (weak) makes a router check a
// packet's destination against the addresses of every interface it has before it forwards it
// (Ipv4L3Protocol::IsDestinationAddress), so the centre reads O(N) addresses per packet; with the strong
// model it checks the receiving interface's only. No host sends to the centre, so the packets are the same.
//
// Build: g++ -O2 -std=c++17 star.cc -o star $(pkg-config --cflags ns3-core) -lns3-nix-vector-routing
//        -lns3-applications -lns3-point-to-point -lns3-internet -lns3-network -lns3-core
// Run:   ./star --hosts=8 [--ms=10] [--routing=global|nix|star] [--weak-es=1|0]
#include "ns3/applications-module.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/nix-vector-routing-module.h"
#include "ns3/point-to-point-module.h"

#include <sys/resource.h>

#include <cstdio>
#include <sstream>
#include <unordered_map>

using namespace ns3;

// Connected /24 networks by hash (an interface each) and one default route: O(1) per packet at any N.
class StarRouting : public Ipv4RoutingProtocol {
 public:
  static TypeId GetTypeId() {
    static TypeId tid =
        TypeId("StarRouting").SetParent<Ipv4RoutingProtocol>().SetGroupName("Internet").AddConstructor<StarRouting>();
    return tid;
  }

  void SetDefault(Ipv4Address gateway, uint32_t interface) {
    m_gateway = gateway;
    m_defaultInterface = interface;
  }

  Ptr<Ipv4Route> RouteOutput(Ptr<Packet>, const Ipv4Header& header, Ptr<NetDevice>,
                             Socket::SocketErrno& sockerr) override {
    Ptr<Ipv4Route> r = Lookup(header.GetDestination());
    sockerr = r ? Socket::ERROR_NOTERROR : Socket::ERROR_NOROUTETOHOST;
    return r;
  }

  bool RouteInput(Ptr<const Packet> p, const Ipv4Header& header, Ptr<const NetDevice> idev,
                  UnicastForwardCallback ucb, MulticastForwardCallback, LocalDeliverCallback lcb,
                  ErrorCallback) override {
    uint32_t iif = m_ipv4->GetInterfaceForDevice(idev);
    if (m_ipv4->IsDestinationAddress(header.GetDestination(), iif)) {
      lcb(p, header, iif);
      return true;
    }
    Ptr<Ipv4Route> r = Lookup(header.GetDestination());
    if (!r) return false;
    ucb(r, p, header);
    return true;
  }

  void NotifyInterfaceUp(uint32_t) override {}
  void NotifyInterfaceDown(uint32_t) override {}

  void NotifyAddAddress(uint32_t interface, Ipv4InterfaceAddress a) override {
    if (a.GetLocal() == Ipv4Address::GetLoopback()) return;
    m_connected[a.GetLocal().CombineMask(Ipv4Mask("/24")).Get()] = {interface, a.GetLocal()};
  }

  void NotifyRemoveAddress(uint32_t, Ipv4InterfaceAddress) override {}

  void SetIpv4(Ptr<Ipv4> ipv4) override { m_ipv4 = ipv4; }

  void PrintRoutingTable(Ptr<OutputStreamWrapper>, Time::Unit) const override {}

 private:
  struct Connected {
    uint32_t interface;
    Ipv4Address local;
  };

  Ptr<Ipv4Route> Lookup(Ipv4Address dest) {
    auto it = m_connected.find(dest.CombineMask(Ipv4Mask("/24")).Get());
    uint32_t interface;
    Ipv4Address gateway;  // 0.0.0.0: on the link, ARP for the destination itself
    if (it != m_connected.end()) {
      interface = it->second.interface;
    } else if (m_defaultInterface != 0) {
      interface = m_defaultInterface;
      gateway = m_gateway;
    } else {
      return nullptr;
    }
    Ptr<Ipv4Route> r = Create<Ipv4Route>();
    r->SetDestination(dest);
    r->SetGateway(gateway);
    r->SetSource(m_ipv4->GetAddress(interface, 0).GetLocal());
    r->SetOutputDevice(m_ipv4->GetNetDevice(interface));
    return r;
  }

  Ptr<Ipv4> m_ipv4;
  std::unordered_map<uint32_t, Connected> m_connected;
  Ipv4Address m_gateway;
  uint32_t m_defaultInterface = 0;
};

class StarRoutingHelper : public Ipv4RoutingHelper {
 public:
  StarRoutingHelper* Copy() const override { return new StarRoutingHelper(*this); }
  Ptr<Ipv4RoutingProtocol> Create(Ptr<Node>) const override { return CreateObject<StarRouting>(); }
};

// This process's CPU seconds so far, user + sys.
static double CpuSeconds() {
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

int main(int argc, char* argv[]) {
  uint32_t hosts = 8;
  double ms = 10.0;
  std::string routing = "global";
  bool weakEs = true;
  CommandLine cmd;
  cmd.AddValue("hosts", "hosts around the central node", hosts);
  cmd.AddValue("ms", "virtual time, milliseconds", ms);
  cmd.AddValue("routing", "global (Ipv4GlobalRouting), nix (nix-vector routing) or star (O(1) per hop)", routing);
  cmd.AddValue("weak-es", "1: ns-3's weak end-system model (the default); 0: the strong one", weakEs);
  cmd.Parse(argc, argv);
  if (routing != "global" && routing != "nix" && routing != "star") {
    std::fprintf(stderr, "--routing: global, nix or star, not %s\n", routing.c_str());
    return 2;
  }

  Config::SetDefault("ns3::Ipv4::WeakEsModel", BooleanValue(weakEs));

  NodeContainer centre;
  centre.Create(1);
  NodeContainer h;
  h.Create(hosts);
  InternetStackHelper stack;
  Ipv4NixVectorHelper nix;
  StarRoutingHelper star;
  if (routing == "nix") stack.SetRoutingHelper(nix);
  if (routing == "star") stack.SetRoutingHelper(star);
  stack.Install(centre);
  stack.Install(h);

  PointToPointHelper p2p;
  p2p.SetDeviceAttribute("DataRate", StringValue("40Gbps"));
  p2p.SetChannelAttribute("Delay", StringValue("1us"));

  Ipv4AddressHelper addr;
  std::vector<Ipv4Address> hostAddr(hosts);
  for (uint32_t i = 0; i < hosts; i++) {
    NetDeviceContainer d = p2p.Install(h.Get(i), centre.Get(0));
    std::ostringstream net;
    net << "10." << (1 + i / 250) << "." << (i % 250) << ".0";
    addr.SetBase(net.str().c_str(), "255.255.255.0");
    Ipv4InterfaceContainer ifs = addr.Assign(d);
    hostAddr[i] = ifs.GetAddress(0);
    if (routing == "star") {  // the host's way to every other network: the centre's end of its link
      Ptr<Ipv4> ip = h.Get(i)->GetObject<Ipv4>();
      DynamicCast<StarRouting>(ip->GetRoutingProtocol())->SetDefault(ifs.GetAddress(1), ifs.Get(0).second);
    }
  }
  if (routing == "global") Ipv4GlobalRoutingHelper::PopulateRoutingTables();

  const uint16_t port = 9;
  ApplicationContainer sinks;
  for (uint32_t i = 0; i < hosts; i++) {
    PacketSinkHelper sink("ns3::UdpSocketFactory", InetSocketAddress(Ipv4Address::GetAny(), port));
    sinks.Add(sink.Install(h.Get(i)));
    OnOffHelper src("ns3::UdpSocketFactory", InetSocketAddress(hostAddr[(i + 1) % hosts], port));
    src.SetConstantRate(DataRate("10Gbps"), 1472);
    src.Install(h.Get(i));
  }
  Simulator::Stop(MicroSeconds(static_cast<uint64_t>(ms * 1000)));
  double setupCpu = CpuSeconds();
  Simulator::Run();
  double runCpu = CpuSeconds() - setupCpu;
  uint64_t bytes = 0;
  for (uint32_t i = 0; i < sinks.GetN(); i++) bytes += DynamicCast<PacketSink>(sinks.Get(i))->GetTotalRx();
  uint64_t pkts = bytes / 1472;
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  std::printf("ns3 hosts=%u virtual_ms=%g delivered_packets=%llu delivered_bytes=%llu routing=%s weak_es=%d events=%llu"
              " setup_cpu_s=%.3f run_cpu_s=%.3f maxrss_kb=%ld\n",
              hosts, ms, (unsigned long long)pkts, (unsigned long long)bytes, routing.c_str(), weakEs ? 1 : 0,
              (unsigned long long)Simulator::GetEventCount(), setupCpu, runCpu, u.ru_maxrss);
  Simulator::Destroy();
  return 0;
}
