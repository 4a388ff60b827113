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
// Build: g++ -O2 -std=c++17 star.cc -o star $(pkg-config --cflags --libs ns3-core ns3-network
//        ns3-internet ns3-point-to-point ns3-applications)
// Run:   ./star --hosts=8 [--ms=10]
#include "ns3/applications-module.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-module.h"

#include <cstdio>
#include <sstream>

using namespace ns3;

int main(int argc, char* argv[]) {
  uint32_t hosts = 8;
  double ms = 10.0;
  CommandLine cmd;
  cmd.AddValue("hosts", "hosts around the central node", hosts);
  cmd.AddValue("ms", "virtual time, milliseconds", ms);
  cmd.Parse(argc, argv);

  NodeContainer centre;
  centre.Create(1);
  NodeContainer h;
  h.Create(hosts);
  InternetStackHelper stack;
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
  }
  Ipv4GlobalRoutingHelper::PopulateRoutingTables();

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
  Simulator::Run();
  uint64_t bytes = 0;
  for (uint32_t i = 0; i < sinks.GetN(); i++) bytes += DynamicCast<PacketSink>(sinks.Get(i))->GetTotalRx();
  uint64_t pkts = bytes / 1472;
  std::printf("ns3 hosts=%u virtual_ms=%g delivered_packets=%llu delivered_bytes=%llu\n", hosts, ms,
              (unsigned long long)pkts, (unsigned long long)bytes);
  Simulator::Destroy();
  return 0;
}
