namespace Hunyuan.Cluster.Logs;

/// <summary>One line of a node's log: the node, the log it came from (agent, serve-NAME, redis), the text.</summary>
public sealed record LogLine(string Node, string Source, string Text);
